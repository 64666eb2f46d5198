// Copying a link to the clipboard, for the admin page's link cards and the IVS page's invite.
// Plain http on another host has no clipboard API: then the shown link (`fallbackNode`) is selected and
// the old copy command used. Resolves true when the text is on the clipboard.
export async function copyText(text, fallbackNode) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (!fallbackNode) return false;
    const r = document.createRange();
    r.selectNodeContents(fallbackNode);
    getSelection().removeAllRanges();
    getSelection().addRange(r);
    try { return document.execCommand('copy'); } catch { return false; }
  }
}
