// Read-only preopens for Node's node:wasi, which has none: every WASI call that would change a file or folder under
// a read-only preopen fails with EROFS before Node sees it. Shared by run.mjs and threads.mjs.
//
// Node numbers preopens from 3 in the order of the `preopens` object; `readOnlyFds` are those of the read-only
// ones. Every descriptor path_open makes from a read-only one is read-only too (fd_renumber moves the mark,
// fd_close drops it), in each thread's own table. The checks:
//   path_open           O_CREAT or O_TRUNC, or rights to write, allocate, resize or sync, or O_APPEND;
//   path_* that change  create_directory, remove_directory, unlink_file, rename (either side), link (the new
//                       side), symlink (the new side), filestat_set_times;
//   fd_* that change    write, pwrite, allocate, filestat_set_size, filestat_set_times on a marked descriptor.
const ERRNO_ROFS = 69;
const O_CREAT = 1, O_TRUNC = 8;
const FDFLAG_APPEND = 1;
const WRITE_RIGHTS = (1n << 0n) | (1n << 6n) | (1n << 8n) | (1n << 22n);   // datasync, write, allocate, filestat_set_size

/** Wraps `imports` (the wasi_snapshot_preview1 functions) in place. */
export function readOnlyPreopens(imports, readOnlyFds, getMemory) {
  if (readOnlyFds.length === 0) return imports;
  const marked = new Set(readOnlyFds);
  const w = imports;
  const wrap = (name, fn) => { const real = w[name]; w[name] = (...a) => fn(real, ...a); };

  wrap('path_open', (real, dirfd, dirflags, path, pathLen, oflags, rightsBase, rightsInheriting, fdflags, fdOut) => {
    if (marked.has(dirfd)) {
      if ((oflags & (O_CREAT | O_TRUNC)) !== 0 || (BigInt(rightsBase) & WRITE_RIGHTS) !== 0n || (fdflags & FDFLAG_APPEND) !== 0) return ERRNO_ROFS;
    }
    const r = real(dirfd, dirflags, path, pathLen, oflags, rightsBase, rightsInheriting, fdflags, fdOut);
    if (r === 0 && marked.has(dirfd)) marked.add(new DataView(getMemory().buffer).getUint32(fdOut, true));
    return r;
  });
  wrap('fd_renumber', (real, from, to) => {
    const r = real(from, to);
    if (r === 0) { marked.delete(to); if (marked.delete(from)) marked.add(to); }
    return r;
  });
  wrap('fd_close', (real, fd) => { const r = real(fd); if (r === 0) marked.delete(fd); return r; });
  for (const [name, indexes] of [
    ['path_create_directory', [0]], ['path_remove_directory', [0]], ['path_unlink_file', [0]],
    ['path_rename', [0, 3]], ['path_link', [4]], ['path_symlink', [2]], ['path_filestat_set_times', [0]],
    ['fd_write', [0]], ['fd_pwrite', [0]], ['fd_allocate', [0]], ['fd_filestat_set_size', [0]], ['fd_filestat_set_times', [0]],
  ]) {
    wrap(name, (real, ...a) => (indexes.some(i => marked.has(a[i])) ? ERRNO_ROFS : real(...a)));
  }
  return imports;
}

/** Splits a `--dir` spec, HOST[::GUEST][:ro], into { host, guest, readOnly }. */
export function parseDir(spec) {
  const readOnly = spec.endsWith(':ro');
  const body = readOnly ? spec.slice(0, -3) : spec;
  const [host, guest] = body.includes('::') ? body.split('::') : [body, body];
  return { host, guest, readOnly };
}

/** The descriptors node:wasi gives the read-only guest paths of `preopens` ({ guest: host }, in order). */
export function readOnlyDescriptors(preopens, readOnlyGuests) {
  return Object.keys(preopens).flatMap((guest, i) => (readOnlyGuests.includes(guest) ? [3 + i] : []));
}
