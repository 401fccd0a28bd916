// The rules Node's node:wasi does not enforce on mapped folders, enforced before Node sees a call. Shared by run.mjs
// and threads.mjs.
//
// 1. Links never lead out of a mapped folder. uvwasi (Node 20) follows a link in the middle of a path wherever it
//    points: `link/x` with link -> /etc read /etc/x. Here every path a call names is resolved first, component by
//    component, through the links it meets (as the kernel would): a link to an absolute path, or one whose target
//    climbs above the mapped folder, makes the call fail with ENOTCAPABLE, as Wasmtime's cap-std does.
// 2. Read-only folders (`--dir HOST::GUEST:ro`): node:wasi has none. A call that would change a file or folder under a
//    read-only mapping fails with EROFS: path_open with O_CREAT or O_TRUNC, O_APPEND, or rights to write, allocate,
//    resize or sync; path_create_directory, remove_directory, unlink_file, rename, link, symlink,
//    filestat_set_times; fd_write, pwrite, allocate, filestat_set_size, filestat_set_times on such a descriptor.
//
// Node numbers preopens from 3 in the order of the `preopens` object. Every descriptor path_open makes remembers
// its host path, its mapping's root and whether that is read-only (fd_renumber moves the entry, fd_close drops it),
// in each thread's own table.
// 3. Times are set to the microsecond (os.utime): uvwasi (Node 20) drops the fraction of a second in
//    path_filestat_set_times and fd_filestat_set_times (os.utime(f, (1.002003, 1.002003)) stored 1.0; 10 of test_os's
//    tests failed on it). On a mapped folder the call is done here, with the host path it resolves to; for a
//    descriptor, only while that path still names the file it was opened on.
import { lstatSync, lutimesSync, readlinkSync, realpathSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

const ERRNO_NOTCAPABLE = 76, ERRNO_ROFS = 69;
const O_CREAT = 1, O_TRUNC = 8;
const FDFLAG_APPEND = 1;
const LOOKUP_SYMLINK_FOLLOW = 1;
const WRITE_RIGHTS = (1n << 0n) | (1n << 6n) | (1n << 8n) | (1n << 22n);   // datasync, write, allocate, filestat_set_size
const MAX_LINKS = 40;
const FST_ATIM = 1, FST_ATIM_NOW = 2, FST_MTIM = 4, FST_MTIM_NOW = 8;

/** Splits a `--dir` spec, HOST[::GUEST][:ro], into { host, guest, readOnly }. */
export function parseDir(spec) {
  const readOnly = spec.endsWith(':ro');
  const body = readOnly ? spec.slice(0, -3) : spec;
  const [host, guest] = body.includes('::') ? body.split('::') : [body, body];
  return { host, guest, readOnly };
}

/**
 * Where `path` (relative, as wasi-libc passes it) leads from the folder `base` (components below `root`), or null if
 * it leaves `root`: `..` above it, or a link with an absolute target or one that climbs out. The last component's
 * link is followed only with `followLast`.
 */
export function resolveInside(root, base, path, followLast) {
  const stack = [...base];
  const queue = path.split('/');
  let links = 0;
  while (queue.length > 0) {
    const part = queue.shift();
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return null;
      stack.pop();
      continue;
    }
    stack.push(part);
    if (queue.every(p => p === '' || p === '.') && !followLast) break;
    let target;
    try {
      if (!lstatSync(join(root, ...stack)).isSymbolicLink()) continue;
      target = readlinkSync(join(root, ...stack));
    } catch {
      continue;                                             // not there (yet): the call itself says so
    }
    if (target.startsWith('/') || ++links > MAX_LINKS) return null;
    stack.pop();
    queue.unshift(...target.split('/'));
  }
  return stack;
}

/** Wraps `imports` (the wasi_snapshot_preview1 functions) in place for `mappings` ([{ guest, host, readOnly }], in
 * the order of the preopens). */
export function sandboxPreopens(imports, mappings, getMemory) {
  const fds = new Map();
  mappings.forEach((m, i) => { const root = realpathSync(m.host); fds.set(3 + i, { root, base: [], readOnly: m.readOnly, file: identity(root) }); });
  const text = (ptr, len) => new TextDecoder().decode(new Uint8Array(getMemory().buffer, ptr, len));
  const w = imports;
  const wrap = (name, fn) => { const real = w[name]; w[name] = (...a) => fn(real, ...a); };
  // The entry of `fd` and where `path` leads from it, or an errno.
  const lookup = (fd, ptr, len, followLast) => {
    const entry = fds.get(fd);
    if (!entry) return { entry };                           // not a mapped folder: Node answers (EBADF, ENOTDIR...)
    const stack = resolveInside(entry.root, entry.base, text(ptr, len), followLast);
    return stack === null ? { errno: ERRNO_NOTCAPABLE } : { entry, stack };
  };
  // A call that names paths: `paths` are [fd index, ptr index, len index, follow-last] of its arguments.
  const guard = (name, paths, changes) => wrap(name, (real, ...a) => {
    for (const [fdAt, ptrAt, lenAt, follow] of paths) {
      const found = lookup(a[fdAt], a[ptrAt], a[lenAt], typeof follow === 'number' ? (a[follow] & LOOKUP_SYMLINK_FOLLOW) !== 0 : follow);
      if (found.errno) return found.errno;
      if (changes && found.entry?.readOnly) return ERRNO_ROFS;
    }
    return real(...a);
  });

  wrap('path_open', (real, dirfd, dirflags, ptr, len, oflags, rightsBase, rightsInheriting, fdflags, fdOut) => {
    const found = lookup(dirfd, ptr, len, (dirflags & LOOKUP_SYMLINK_FOLLOW) !== 0);
    if (found.errno) return found.errno;
    const writes = (oflags & (O_CREAT | O_TRUNC)) !== 0 || (BigInt(rightsBase) & WRITE_RIGHTS) !== 0n || (fdflags & FDFLAG_APPEND) !== 0;
    if (writes && found.entry?.readOnly) return ERRNO_ROFS;
    const r = real(dirfd, dirflags, ptr, len, oflags, rightsBase, rightsInheriting, fdflags, fdOut);
    if (r === 0 && found.entry) {
      fds.set(new DataView(getMemory().buffer).getUint32(fdOut, true),
        { root: found.entry.root, base: found.stack, readOnly: found.entry.readOnly, file: identity(join(found.entry.root, ...found.stack)) });
    }
    return r;
  });
  guard('path_filestat_get', [[0, 2, 3, 1]], false);
  guard('path_readlink', [[0, 1, 2, false]], false);
  guard('path_create_directory', [[0, 1, 2, false]], true);
  guard('path_remove_directory', [[0, 1, 2, false]], true);
  guard('path_unlink_file', [[0, 1, 2, false]], true);
  guard('path_filestat_set_times', [[0, 2, 3, 1]], true);
  wrap('path_filestat_set_times', (guarded, fd, flags, ptr, len, atim, mtim, fstFlags) => {
    const found = fds.has(fd) ? lookup(fd, ptr, len, (flags & LOOKUP_SYMLINK_FOLLOW) !== 0) : {};
    if (!found.stack || found.entry.readOnly) return guarded(fd, flags, ptr, len, atim, mtim, fstFlags);
    return setTimes(join(found.entry.root, ...found.stack), (flags & LOOKUP_SYMLINK_FOLLOW) !== 0, atim, mtim, fstFlags)
      ?? guarded(fd, flags, ptr, len, atim, mtim, fstFlags);
  });
  guard('path_rename', [[0, 1, 2, false], [3, 4, 5, false]], true);
  guard('path_link', [[0, 2, 3, 1], [4, 5, 6, false]], true);
  guard('path_symlink', [[2, 3, 4, false]], true);
  for (const name of ['fd_write', 'fd_pwrite', 'fd_allocate', 'fd_filestat_set_size', 'fd_filestat_set_times']) {
    wrap(name, (real, fd, ...rest) => (fds.get(fd)?.readOnly ? ERRNO_ROFS : real(fd, ...rest)));
  }
  // By path only while the path still names the file the descriptor was opened on (renamed or replaced since: Node
  // answers, to the second).
  wrap('fd_filestat_set_times', (guarded, fd, atim, mtim, fstFlags) => {
    const entry = fds.get(fd);
    const path = entry && join(entry.root, ...entry.base);
    if (!entry || entry.readOnly || !entry.file || identity(path) !== entry.file) return guarded(fd, atim, mtim, fstFlags);
    return setTimes(path, true, atim, mtim, fstFlags) ?? guarded(fd, atim, mtim, fstFlags);
  });
  wrap('fd_renumber', (real, from, to) => {
    const r = real(from, to);
    if (r === 0) { const entry = fds.get(from); fds.delete(from); if (entry) fds.set(to, entry); else fds.delete(to); }
    return r;
  });
  wrap('fd_close', (real, fd) => { const r = real(fd); if (r === 0) fds.delete(fd); return r; });
  return imports;
}

/** Sets a file's times to the microsecond, as precise as Node's fs is (WASI's fst_flags: each time given, "now", or left as it is). Returns 0, or
 * undefined when Node's fs refused (the caller then lets node:wasi answer, with its errno) or flags are invalid. */
function setTimes(path, follow, atim, mtim, fstFlags) {
  if ((fstFlags & FST_ATIM && fstFlags & FST_ATIM_NOW) || (fstFlags & FST_MTIM && fstFlags & FST_MTIM_NOW)) return undefined;
  try {
    const now = Date.now() / 1000;
    const old = (fstFlags & (FST_ATIM | FST_ATIM_NOW)) && (fstFlags & (FST_MTIM | FST_MTIM_NOW))
      ? null : (follow ? statSync : lstatSync)(path, { bigint: true });
    // Node's utimes keeps microseconds, truncating the double it is given: the nearest microsecond, plus half of
    // one, so that truncation lands on it (4.005006 s is 4.00500599... as a double, and was stored as 4.005005).
    const seconds = ns => Number((BigInt(ns) + 500n) / 1000n) / 1e6 + 5e-7;
    const time = (given, ns, isNow, kept) => given ? seconds(ns) : isNow ? now : seconds(kept);
    const a = time(fstFlags & FST_ATIM, atim, fstFlags & FST_ATIM_NOW, old?.atimeNs);
    const m = time(fstFlags & FST_MTIM, mtim, fstFlags & FST_MTIM_NOW, old?.mtimeNs);
    (follow ? utimesSync : lutimesSync)(path, a, m);
    return 0;
  } catch {
    return undefined;
  }
}

/** "device:inode" of what `path` names (links followed), or undefined if it cannot be read. */
function identity(path) {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}
