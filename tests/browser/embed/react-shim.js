// 'react' for the import map of react.html: the UMD build's window.React as an ES module.
const React = window.React;
export default React;
export const { createElement, useCallback, useEffect, useRef, useState, useSyncExternalStore, StrictMode } = React;
