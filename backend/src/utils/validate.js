'use strict';
// Small declarative body validator. Unknown fields, wrong types and sizes are refused with
// 400 request.invalid naming the field (dotted path for nested objects).
const { E } = require('./errors');

// Text shown to other people (names, titles): no bidi controls (they can make "gnp.exe" read as
// "exe.png"), and something visible once whitespace, format characters (zero-width space/joiners, word
// joiner, BOM), lone combining marks and blank-looking fillers are taken away.
const BIDI_RE = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
const INVISIBLE_RE = /[\p{White_Space}\p{Cf}\p{M}\u115F\u1160\u3164\uFFA0\u2800]/gu;

function checkText(v, name) {
  const bidi = BIDI_RE.exec(v);
  if (bidi) {
    const cp = 'U+' + bidi[0].codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw E.invalid(name, `Field "${name}" contains a bidirectional control character (${cp}).`);
  }
  if (v.replace(INVISIBLE_RE, '') === '') throw E.invalid(name, `Field "${name}" must contain visible characters.`);
}

/**
 * Field spec: { type: 'string'|'int'|'bool'|'object'|'array'|'json', optional, default, min, max,
 *               pattern (RegExp), enum (array), trim, text (shown to people: see checkText), fields (nested schema for 'object'), maxBytes ('json'),
 *               items (spec of each element), minItems, maxItems, itemsHint ('array') }
 */
function validate(body, schema, prefix = '') {
  if (body === undefined || body === null) body = {};
  if (typeof body !== 'object' || Array.isArray(body)) throw E.invalid(prefix || 'body', `${prefix || 'The body'} must be a JSON object.`);
  for (const k of Object.keys(body)) {
    if (!Object.prototype.hasOwnProperty.call(schema, k)) throw E.invalid(prefix + k, `Unknown field "${prefix + k}".`);
  }
  const out = {};
  for (const [k, spec] of Object.entries(schema)) {
    const name = prefix + k;
    let v = body[k];
    if (v === undefined || (v === null && spec.nullable)) {
      if (!spec.optional && spec.default === undefined) throw E.invalid(name, `Field "${name}" is required.`);
      if (spec.default !== undefined) out[k] = typeof spec.default === 'function' ? spec.default() : spec.default;
      continue;
    }
    switch (spec.type) {
      case 'string': {
        if (typeof v !== 'string') throw E.invalid(name, `Field "${name}" must be a string.`);
        if (spec.trim !== false) v = v.trim();
        if (spec.text && v.length) checkText(v, name);
        const len = [...v].length;
        if (spec.min !== undefined && len < spec.min) throw E.invalid(name, `Field "${name}" must have at least ${spec.min} characters.`);
        if (spec.max !== undefined && len > spec.max) throw E.invalid(name, `Field "${name}" must have at most ${spec.max} characters.`);
        // control characters are never useful in names/titles/ids
        if (!spec.allowControl && /[\u0000-\u001f\u007f]/.test(v)) throw E.invalid(name, `Field "${name}" contains control characters.`);
        if (spec.pattern && !spec.pattern.test(v)) throw E.invalid(name, `Field "${name}" has an invalid format${spec.patternHint ? ` (${spec.patternHint})` : ''}.`);
        if (spec.enum && !spec.enum.includes(v)) throw E.invalid(name, `Field "${name}" must be one of ${spec.enum.join(', ')}.`);
        break;
      }
      case 'int':
        if (typeof v !== 'number' || !Number.isInteger(v)) throw E.invalid(name, `Field "${name}" must be an integer.`);
        if (spec.min !== undefined && v < spec.min) throw E.invalid(name, `Field "${name}" must be at least ${spec.min}.`);
        if (spec.max !== undefined && v > spec.max) throw E.invalid(name, `Field "${name}" must be at most ${spec.max}.`);
        break;
      case 'bool':
        if (typeof v !== 'boolean') throw E.invalid(name, `Field "${name}" must be true or false.`);
        break;
      case 'object':
        v = validate(v, spec.fields, name + '.');
        break;
      case 'array': {
        if (!Array.isArray(v)) throw E.invalid(name, `Field "${name}" must be an array.`);
        const hint = spec.itemsHint ? ` (${spec.itemsHint})` : '';
        if (spec.minItems !== undefined && v.length < spec.minItems) throw E.invalid(name, `Field "${name}" must have at least ${spec.minItems} ${spec.minItems === 1 ? 'entry' : 'entries'}${hint}.`);
        if (spec.maxItems !== undefined && v.length > spec.maxItems) throw E.invalid(name, `Field "${name}" must have at most ${spec.maxItems} ${spec.maxItems === 1 ? 'entry' : 'entries'}${hint}.`);
        // each element is checked with the same rules as a field, named "field[i]"
        v = v.map((item, i) => validate({ [`${k}[${i}]`]: item }, { [`${k}[${i}]`]: spec.items }, prefix)[`${k}[${i}]`]);
        break;
      }
      case 'json': {
        if (spec.objectOnly && (typeof v !== 'object' || Array.isArray(v))) throw E.invalid(name, `Field "${name}" must be a JSON object.`);
        const size = Buffer.byteLength(JSON.stringify(v));
        if (spec.maxBytes && size > spec.maxBytes) throw E.invalid(name, `Field "${name}" must be at most ${spec.maxBytes} bytes of JSON.`);
        break;
      }
      default:
        throw new Error(`bad schema type ${spec.type}`);
    }
    out[k] = v;
  }
  return out;
}

const ID_RE = /^[A-Za-z0-9_.@-]{1,64}$/;
const ROOM_ID_RE = /^[A-Za-z0-9_-]{6,64}$/;

module.exports = { validate, ID_RE, ROOM_ID_RE };
