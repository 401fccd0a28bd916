// The loader of side modules (dylink.0, wasm-ld -shared --experimental-pic) for a python.wasm linked as a main
// module (`link: dynamic`): the imports dl.open and dl.sym that compat/wasipy_dl.c calls. The guest reads the
// file itself, through its own file system, and passes the bytes: this loader never sees a host path.
// engine/Wasm/SideModules.cs is the same for Wasmtime; engine/Wasm/Dylink.cs reads dylink.0 the same way.
//
// A failure is a message in the guest's error buffer (dlerror; CPython raises ImportError naming the file), never
// a trap of the interpreter.

export const MAX_MEMORY_SIZE = 256 * 1024 * 1024, MAX_TABLE_SIZE = 1 << 20, MAX_ALIGN_LOG2 = 16;

class DylinkError extends Error {}

/** The dylink.0 section (the module's first): memory and table sizes and alignments (log2), needed libraries. */
export function parseDylink(bytes) {
  let pos = 0, end = bytes.length;
  const fail = (why) => { throw new DylinkError(why); };
  const byte = () => (pos < end ? bytes[pos++] : fail('the file ends inside a section (truncated?)'));
  const leb = () => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = byte();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result <= 0xffffffff ? result : fail('a number larger than 32 bits');
    }
    return fail('a number longer than 5 bytes');
  };
  const name = () => {
    const n = leb();
    if (n > end - pos) fail('the file ends inside a section (truncated?)');
    const s = Buffer.from(bytes.buffer, bytes.byteOffset + pos, n).toString('utf8');
    pos += n;
    return s;
  };
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) fail('not a WebAssembly module (no \\0asm header)');
  if (bytes[4] !== 1 || bytes[5] || bytes[6] || bytes[7]) fail('not a WebAssembly version 1 module');
  pos = 8;
  if (pos >= end || byte() !== 0) fail('no dylink.0 section: not a side module (link it with wasm-ld -shared --experimental-pic)');
  const size = leb();
  if (size > end - pos) fail(`the dylink.0 section is ${size} bytes long, past the end of the file (truncated?)`);
  end = pos + size;
  const section = name();
  if (section !== 'dylink.0') fail(section === 'dylink' ? "an old-style 'dylink' section; relink with LLVM 13 or later (dylink.0)" : 'no dylink.0 section first: not a side module (link it with wasm-ld -shared --experimental-pic)');
  const info = { memorySize: 0, memoryAlign: 0, tableSize: 0, tableAlign: 0, needed: [] };
  const sectionEnd = end;
  while (pos < sectionEnd) {
    const kind = byte();
    const length = leb();
    if (length > sectionEnd - pos) fail(`dylink.0 subsection ${kind} is ${length} bytes long, past the end of the file (truncated?)`);
    end = pos + length;
    if (kind === 1) {
      info.memorySize = leb(); info.memoryAlign = leb(); info.tableSize = leb(); info.tableAlign = leb();
    } else if (kind === 2) {
      const n = leb();
      if (n > end - pos) fail(`${n} needed library(s) announced, more than the section holds`);
      for (let i = 0; i < n; i++) info.needed.push(name());
    }
    pos = end;
    end = sectionEnd;
  }
  if (info.memorySize > MAX_MEMORY_SIZE) fail(`dylink.0 asks for ${info.memorySize} bytes of data, more than the ${MAX_MEMORY_SIZE >> 20} MiB a side module may have`);
  if (info.tableSize > MAX_TABLE_SIZE) fail(`dylink.0 asks for ${info.tableSize} table slots, more than the ${MAX_TABLE_SIZE} a side module may have`);
  if (info.memoryAlign > MAX_ALIGN_LOG2 || info.tableAlign > MAX_ALIGN_LOG2) fail(`dylink.0 asks for an alignment of 2^${Math.max(info.memoryAlign, info.tableAlign)}, more than 2^${MAX_ALIGN_LOG2}`);
  return info;
}

/** A main module's table as its file says: the slot of each exported function an active element segment of table 0
 *  placed there (export name -> slot). Segments other than the plain ones wasm-ld writes stop the reading, which only
 *  costs those functions a second slot. engine/Wasm/Dylink.cs ReadMainTable is the same. */
export function mainTableSlots(bytes) {
  let pos = 8;
  const uleb = () => { let r = 0, shift = 0, b; do { b = bytes[pos++]; r += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80 && shift < 35); return r; };
  const sleb = () => { let r = 0, shift = 0, b; do { b = bytes[pos++]; r |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80 && shift < 35); return shift < 32 && (b & 0x40) ? r | (-1 << shift) : r; };
  const functionOfExport = new Map(), slotOfFunction = new Map();
  while (pos < bytes.length) {
    const id = bytes[pos++], size = uleb(), end = pos + size;
    if (id === 7) {
      for (let n = uleb(); n > 0; n--) {
        const length = uleb(); const name = Buffer.from(bytes.buffer, bytes.byteOffset + pos, length).toString('utf8'); pos += length;
        const kind = bytes[pos++], index = uleb();
        if (kind === 0 && !functionOfExport.has(name)) functionOfExport.set(name, index);
      }
    } else if (id === 9) {
      for (let n = uleb(); n > 0; n--) {
        const flags = uleb();
        if (flags !== 0 && flags !== 2) break;
        if (flags === 2 && uleb() !== 0) break;
        if (bytes[pos++] !== 0x41) break;
        const offset = sleb();
        if (bytes[pos++] !== 0x0b) break;
        if (flags === 2 && bytes[pos++] !== 0) break;
        for (let i = 0, count = uleb(); i < count; i++) { const f = uleb(); if (!slotOfFunction.has(f)) slotOfFunction.set(f, offset + i); }
      }
    }
    pos = end;
  }
  const slots = new Map();
  for (const [name, index] of functionOfExport) if (slotOfFunction.has(index)) slots.set(name, slotOfFunction.get(index));
  return slots;
}

/** Whether a compiled module imports this loader (python.wasm built with `link: dynamic`). */
export function importsLoader(module) {
  return WebAssembly.Module.imports(module).some((i) => i.module === 'dl');
}

/** A side module's package: its path up to the first folder under site-packages ('' when it is in none). */
export function packageOf(path) {
  const site = '/site-packages/';
  const at = path.indexOf(site);
  if (at < 0) return '';
  const slash = path.indexOf('/', at + site.length);
  return slash < 0 ? '' : path.slice(0, slash);
}

/** The dl imports for one instance of python.wasm; getMain() gives its instance once it exists, readMain() the bytes
 *  of its file (read when a function pointer to one of its functions is first needed). */
export function sideModuleImports(getMain, readMain) {
  const loaded = [];
  const handles = new Map();
  let mainSlots = null;       // export name -> the slot python.wasm's element segment gave it
  const added = new Map();    // function object -> the slot this loader added it at

  const exports = () => getMain().exports;
  const memory = () => exports().memory;
  const table = () => exports().__indirect_function_table;
  const text = (address, length) => {
    if (address < 0 || length < 0 || length > 4096 || address + length > memory().buffer.byteLength) throw new DylinkError('a name outside python.wasm\'s memory');
    return Buffer.from(memory().buffer, address, length).toString('utf8');
  };
  // A function's slot: the one python.wasm's own table gave it (function pointers compare equal across modules), or one
  // added once. Reading the table itself would make a JS wrapper for each of its thousands of functions (200 ms).
  const slotOf = (fn, mainName) => {
    if (mainName !== undefined) {
      mainSlots ??= mainTableSlots(readMain());
      if (mainSlots.has(mainName)) return mainSlots.get(mainName);
    }
    let slot = added.get(fn);
    if (slot === undefined) { slot = table().grow(1, fn); added.set(fn, slot); }
    return slot;
  };
  const mainData = (name) => { const g = exports()[name]; return g instanceof WebAssembly.Global && name !== '__stack_pointer' ? g.value : undefined; };
  const mainFunction = (name) => { const f = exports()[name]; return typeof f === 'function' ? f : undefined; };
  const ownData = (m, name) => { const g = m.instance.exports[name]; return g instanceof WebAssembly.Global ? m.memoryBase + g.value : undefined; };
  const ownFunction = (m, name) => { const f = m.instance.exports[name]; return typeof f === 'function' ? f : undefined; };
  // The modules of one package (the first folder under site-packages) share what they define interposably (weak,
  // default visibility), as if they were one library: NumPy's extension modules each link npymath, whose
  // floating-point status word must be one. engine/Wasm/SideModules.cs PackageOf is the same rule.
  const siblingsOf = (path) => {
    const package_ = packageOf(path);
    return package_ ? loaded.filter((l) => packageOf(l.path) === package_) : [];
  };
  const first = (list, find) => { for (const item of list) { const found = find(item); if (found !== undefined) return found; } return undefined; };
  const unresolved = (what, name) => new DylinkError(`${what} ${name} is neither in python.wasm nor in the module (built for another CPython, or against a library python.wasm does not have?)`);

  function open(path, address, size) {
    if (handles.has(path)) return handles.get(path);
    if (address < 0 || size < 0 || address + size > memory().buffer.byteLength) throw new DylinkError('its bytes are outside python.wasm\'s memory');
    const bytes = new Uint8Array(memory().buffer, address, size).slice();
    const info = parseDylink(bytes);
    if (info.needed.length) throw new DylinkError(`it needs ${info.needed.join(', ')}: side modules that need other side modules are not loaded yet`);
    const module = new WebAssembly.Module(bytes);
    const main = exports();
    if (!main.__indirect_function_table) throw new DylinkError('python.wasm exports no __indirect_function_table: it is not a main module (link: dynamic)');
    let memoryBase = 0;
    if (info.memorySize > 0) {
      const align = 2 ** info.memoryAlign;
      const length = Math.ceil(info.memorySize / align) * align;
      memoryBase = main.aligned_alloc(Math.max(align, 8), length);
      if (!memoryBase) throw new DylinkError(`no memory for its ${info.memorySize} bytes of data`);
      new Uint8Array(memory().buffer, memoryBase, length).fill(0);
    }
    const t = table();
    const tableAlign = 2 ** info.tableAlign;
    const tableBase = Math.ceil(t.length / tableAlign) * tableAlign;
    if (tableBase + info.tableSize > t.length) t.grow(tableBase + info.tableSize - t.length);
    const got = [];
    const imports = { env: {}, 'GOT.mem': {}, 'GOT.func': {} };
    // A function the module imports and also defines (a weak definition, such as C++'s operator new, which a main
    // module could replace): python.wasm has none, so it is the module's own, reached through JS once it is instantiated.
    let self = null;
    const siblings = siblingsOf(path);
    const ownExports = new Set(WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name));
    const ownLater = (name) => {
      if (!ownExports.has(name)) throw unresolved('function', name);
      let target;
      return (...args) => (target ??= self.exports[name])(...args);
    };
    for (const imp of WebAssembly.Module.imports(module)) {
      const { module: mod, name, kind } = imp;
      if (mod === 'env' && kind === 'memory' && name === 'memory') imports.env.memory = memory();
      else if (mod === 'env' && kind === 'table' && name === '__indirect_function_table') imports.env[name] = t;
      else if (mod === 'env' && kind === 'global' && name === '__stack_pointer') imports.env[name] = main.__stack_pointer;
      else if (mod === 'env' && kind === 'global' && name === '__memory_base') imports.env[name] = new WebAssembly.Global({ value: 'i32', mutable: false }, memoryBase);
      else if (mod === 'env' && kind === 'global' && name === '__table_base') imports.env[name] = new WebAssembly.Global({ value: 'i32', mutable: false }, tableBase);
      else if (mod === 'env' && kind === 'function') imports.env[name] = mainFunction(name) ?? first(siblings, (l) => ownFunction(l, name)) ?? ownLater(name);
      else if ((mod === 'GOT.mem' || mod === 'GOT.func') && kind === 'global') {
        const entry = new WebAssembly.Global({ value: 'i32', mutable: true }, 0);
        imports[mod][name] = entry;
        got.push({ mod, name, entry });
      } else throw new DylinkError(`it imports ${mod}.${name}, which this loader does not provide`);
    }
    const instance = self = new WebAssembly.Instance(module, imports);
    const m = { path, instance, memoryBase };
    // GOT entries: python.wasm's symbol first (as a dynamic linker finds the main program's first), then that of a
    // module of the same package loaded before, else the module's own.
    for (const { mod, name, entry } of got) {
      if (mod === 'GOT.mem') entry.value = mainData(name) ?? first(siblings, (l) => ownData(l, name)) ?? ownData(m, name) ?? (() => { throw unresolved('data symbol', name); })();
      else {
        const main = mainFunction(name);
        const fn = main ?? first(siblings, (l) => ownFunction(l, name)) ?? ownFunction(m, name);
        if (!fn) throw unresolved('function', name);
        entry.value = slotOf(fn, main ? name : undefined);
      }
    }
    instance.exports.__wasm_apply_data_relocs?.();
    instance.exports.__wasm_call_ctors?.();
    loaded.push(m);
    handles.set(path, loaded.length);
    return loaded.length;
  }

  function sym(handle, name) {
    const m = loaded[handle - 1];
    if (!m) throw new DylinkError(`dlsym: ${handle} is not a handle dlopen returned`);
    const fn = ownFunction(m, name);
    if (fn) return slotOf(fn);
    const data = ownData(m, name);
    if (data !== undefined) return data;
    throw new DylinkError(`${m.path} has no symbol ${name}`);
  }

  // One loader call: a failure becomes 0 and its message in the guest's buffer; the stack pointer is put back
  // (a trap in a side module's constructor leaves it where the trap left it).
  function guarded(error, errorSize, name, call) {
    const sp = exports().__stack_pointer;
    const saved = sp?.value;
    let what = '?';
    try {
      what = name();
      return call(what);
    } catch (e) {
      if (!(e instanceof DylinkError || e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError || e instanceof WebAssembly.RuntimeError || e instanceof RangeError || e instanceof TypeError)) throw e;
      if (sp && saved !== undefined) sp.value = saved;
      const buffer = memory().buffer;
      if (error > 0 && errorSize > 0 && error + errorSize <= buffer.byteLength) {
        const message = Buffer.from(`${what}: ${String(e.message).split('\n')[0]}`, 'utf8');
        const n = Math.min(message.length, errorSize - 1);
        const target = new Uint8Array(buffer, error, errorSize);
        target.set(message.subarray(0, n));
        target[n] = 0;
      }
      return 0;
    }
  }

  return {
    open: (path, pathLength, bytes, size, error, errorSize) => guarded(error, errorSize, () => text(path, pathLength), (p) => open(p, bytes, size)),
    sym: (handle, name, nameLength, error, errorSize) => guarded(error, errorSize, () => text(name, nameLength), (s) => sym(handle, s)),
  };
}
