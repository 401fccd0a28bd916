// Runs a WASI preview 1 module (python.wasm) under Node's built-in node:wasi: wasipy's second host (--runtime node).
//
//   node --no-warnings run.mjs [options] [--] python-args...
//     --wasm FILE        the module (default: $PYTHON_WASM)
//     --dir HOST::GUEST  preopen a host folder at a guest path (repeatable); --dir DIR maps DIR at itself;
//                        HOST::GUEST:ro refuses the guest's writes there (EROFS); links never lead out of a
//                        mapped folder (ENOTCAPABLE): sandbox.mjs
//     --env K=V          an environment variable for the guest (repeatable); nothing is inherited
//     --argv0 PATH       argv[0] (default /opt/wasi-python/bin/python3.13.wasm, the install prefix)
//     --timing           print one line "TIMING {json}" on stderr after the run: compile, instantiate and
//                        guest (wasi.start) milliseconds
//     --repeat N         with --timing: instantiate and run N times on one compiled module (stdio shared)
//     --timeout S        for a wasi-threads module: end every thread after S seconds (exit 128)
//
// A wasi-threads module (it imports a shared env.memory: wasm32-wasi-threads builds) runs through threads.mjs.
// A main module (`link: dynamic`: it imports dl.open and dl.sym) gets the side-module loader of dylink.mjs.
//
// The exit status is the guest's (proc_exit or main's return).
import { setFlagsFromString } from 'node:v8';
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import { performance } from 'node:perf_hooks';
import { relativePollOneoff, unsignedArguments } from './wasi-fixes.mjs';
import { isThreadsModule } from './wasm-imports.mjs';
import { parseDir, sandboxPreopens } from './sandbox.mjs';
import { importsLoader, sideModuleImports } from './dylink.mjs';

// Node's WASI calls allocate through a memory manager that reports to V8 (AdjustAmountOfExternalAllocatedMemory),
// which may start a garbage collection inside a "fast API call" from optimised code, where none may run: Node 20
// then dies of SIGSEGV in the collector (nodejs/node#46777, #53087; test_shutil's xz archives did it in 5 of 6 runs).
// Without fast API calls every WASI call takes the regular path: 6 of 6 runs passed. Set before any code is optimised;
// V8's flags are per process, so the Workers of threads.mjs have it too.
setFlagsFromString('--no-turbo-fast-api-calls');

const argv = process.argv.slice(2);
let wasmPath = process.env.PYTHON_WASM;
let argv0 = '/opt/wasi-python/bin/python3.13.wasm';
const preopens = {};
const mappings = [];
const env = {};
let timing = false;
let repeat = 1;
let timeout = 0;
const rest = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (rest.length === 0 && a === '--') { rest.push(...argv.slice(i + 1)); break; }
  if (rest.length === 0 && a === '--wasm') { wasmPath = argv[++i]; continue; }
  if (rest.length === 0 && a === '--argv0') { argv0 = argv[++i]; continue; }
  if (rest.length === 0 && a === '--timing') { timing = true; continue; }
  if (rest.length === 0 && a === '--repeat') { repeat = Number(argv[++i]); continue; }
  if (rest.length === 0 && a === '--timeout') { timeout = Number(argv[++i]); continue; }
  if (rest.length === 0 && a === '--dir') {
    const mapping = parseDir(argv[++i]);
    preopens[mapping.guest] = mapping.host;
    mappings.push(mapping);
    continue;
  }
  if (rest.length === 0 && a === '--env') {
    const kv = argv[++i];
    const eq = kv.indexOf('=');
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
    continue;
  }
  rest.push(...argv.slice(i));
  break;
}
if (!wasmPath) {
  console.error('run.mjs: give --wasm FILE or set PYTHON_WASM');
  process.exit(2);
}

if (isThreadsModule(readFileSync(wasmPath))) {
  // wasm32-wasi-threads: one Worker per guest thread (threads.mjs, loaded only then); ends the process with the
  // run's exit code.
  const { runThreads } = await import('./threads.mjs');
  await runThreads({ wasm: wasmPath, args: [argv0, ...rest], env, preopens, mappings }, timeout);
}
const t0 = performance.now();
// The file is read again rather than kept: holding the 23 MB buffer through the run made Node 20 crash (SIGSEGV)
// at exit after the numpy program in 4 of 6 runs; read twice, 5 of 5 ended cleanly.
const module = await WebAssembly.compile(readFileSync(wasmPath));
const compileMs = performance.now() - t0;
const loadsSideModules = importsLoader(module);

const runs = [];
let code = 0;
for (let r = 0; r < repeat; r++) {
  const wasi = new WASI({ version: 'preview1', args: [argv0, ...rest], env, preopens, returnOnExit: true });
  const t1 = performance.now();
  const imports = wasi.getImportObject();
  let instance;
  imports.wasi_snapshot_preview1.poll_oneoff = relativePollOneoff(imports.wasi_snapshot_preview1.poll_oneoff, () => instance.exports.memory);
  sandboxPreopens(imports.wasi_snapshot_preview1, mappings, () => instance.exports.memory);
  unsignedArguments(imports.wasi_snapshot_preview1);
  // A main module (`link: dynamic`) loads side modules through dl.open/dl.sym (dylink.mjs).
  if (loadsSideModules) imports.dl = sideModuleImports(() => instance, () => readFileSync(wasmPath));
  instance = await WebAssembly.instantiate(module, imports);
  const t2 = performance.now();
  code = wasi.start(instance);
  const t3 = performance.now();
  runs.push({ instantiate: +(t2 - t1).toFixed(2), guest: +(t3 - t2).toFixed(2) });
}
if (timing) {
  process.stderr.write(`TIMING ${JSON.stringify({ compile: +compileMs.toFixed(1), runs })}\n`);
}
process.exitCode = code;
