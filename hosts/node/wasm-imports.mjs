// What a wasm module imports, read from its bytes (Node 20's JS API does not say an import's limits or sharing).

/** The limits of the module's env.memory import, read from the binary (Node 20's JS API does not reflect them). */
export function memoryImportLimits(bytes) {
  let pos = 8;
  const uleb = () => { let r = 0, shift = 0, b; do { b = bytes[pos++]; r += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80); return r; };
  const name = () => { const n = uleb(); const s = bytes.toString('utf8', pos, pos + n); pos += n; return s; };
  const limits = () => { const flags = bytes[pos++]; const min = uleb(); const max = flags & 1 ? uleb() : undefined; return { min, max, shared: !!(flags & 2) }; };
  while (pos < bytes.length) {
    const id = bytes[pos++], size = uleb(), end = pos + size;
    if (id === 2) {
      for (let n = uleb(); n > 0; n--) {
        const mod = name(), field = name(), kind = bytes[pos++];
        if (kind === 0) uleb();
        else if (kind === 1) { pos++; limits(); }
        else if (kind === 2) { const l = limits(); if (mod === 'env' && field === 'memory') return l; }
        else if (kind === 3) pos += 2;
        else return null;
      }
    }
    pos = end;
  }
  return null;
}

/** Whether the module is a wasi-threads module: it imports a shared env.memory. */
export function isThreadsModule(bytes) {
  return memoryImportLimits(bytes)?.shared === true;
}
