// wasi-threads under Node's node:wasi (imported by run.mjs for a module that imports a shared env.memory and
// wasi.thread-spawn: the wasm32-wasi-threads builds, recipes/3.13-threads.yaml). @emnapi/wasi-threads starts one Worker
// per guest thread; each Worker has its own node:wasi over the one shared memory, for the calls that need no file table,
// and one more Worker holds the one file table of the run (descriptors.mjs): a file opened in one thread is used in
// another. The module must export malloc and free, which @emnapi/wasi-threads uses.
//
// The guest's main thread runs in a Worker too. Node's main thread supervises and starts every guest thread's Worker
// (a guest thread asks it with 'spawn-thread'; a Worker running wasm never turns its event loop, so no guest thread
// can start Workers itself, and a thread started by a thread used to wait for ever). The run ends for every thread
// at the first of main's _start returning (exit 0), proc_exit(n) in any thread (exit n), a trap in any thread
// (message on stderr, exit 128), or the time limit (exit 128). Every thread writes a SharedArrayBuffer "outcome" cell
// that the supervisor waits on (Atomics.waitAsync); process.exit() then terminates every Worker.
import { readFileSync, writeSync } from 'node:fs';
import { WASI } from 'node:wasi';
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { relativePollOneoff, unsignedArguments } from './wasi-fixes.mjs';
import { memoryImportLimits } from './wasm-imports.mjs';
import { sandboxPreopens } from './sandbox.mjs';
import { newChannel, serveDescriptorTable, shareDescriptorTable } from './descriptors.mjs';

// @emnapi/wasi-threads 2.2.0 comes with the toolchain (docker/install-toolchain.sh installs it next to Wizer).
const TOOLS = process.env.WASIPY_TOOLS ?? '/opt/wasipy-tools';
let threadsLibrary;
async function library() {
  threadsLibrary ??= await import(`${TOOLS}/node_modules/@emnapi/wasi-threads/dist/wasi-threads.js`).catch(() => {
    throw new Error(`@emnapi/wasi-threads is not installed in ${TOOLS}: run docker/install-toolchain.sh (or set WASIPY_TOOLS)`);
  });
  return threadsLibrary;
}

const SELF = new URL(import.meta.url);
const STATE = 0, CODE = 1;                  // outcome cell: state 0 = running, 1 = decided; code = exit code
const RUNNING_SLOTS = 4096;                 // "running" cells: a guest thread's tid while it runs wasi_thread_start
const STACK = { stackSizeMb: 8 };           // as run.mjs's --stack-size for the main thread: Python recurses deeply

/** Records the run's outcome (first writer wins) and wakes the supervisor. */
function decide(outcome, code, message) {
  if (!outcome) return false;
  if (Atomics.compareExchange(outcome, STATE, 0, 1) !== 0) return false;
  if (message) writeSync(2, `${message}\n`);
  Atomics.store(outcome, CODE, code);
  Atomics.notify(outcome, STATE);
  return true;
}

/** Marks guest thread `tid` running (or, with 0, no longer) in the `running` cells the supervisor names on a timeout. */
function markRunning(running, tid, value) {
  if (running) Atomics.store(running, tid % RUNNING_SLOTS, value);
}

/** "guest threads still running: main, 1, 2" (main runs until the run ends). */
function describeRunning(running) {
  const tids = [...running].filter(t => t !== 0).sort((a, b) => a - b);
  return `guest threads still running: ${['main', ...tids].join(', ')}`;
}

/** Parks this thread for good: the supervisor is about to end the process. */
function parkForever() { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); }

function describe(err) { return `${err?.name ?? 'Error'}: ${err?.message ?? err}`; }

/** A node:wasi with Node's fixes. With `channel` (a guest thread's): no folders mapped, and the calls that use a
 * descriptor go to the files Worker; without (the files Worker's): the run's mapped folders, the one file table. */
function makeWasi(cfg, memory, channel) {
  const preopens = channel ? {} : cfg.preopens;
  const wasi = new WASI({ version: 'preview1', args: cfg.args, env: cfg.env, preopens, returnOnExit: true });
  wasi.wasiImport.poll_oneoff = relativePollOneoff(wasi.wasiImport.poll_oneoff, () => memory);
  sandboxPreopens(wasi.wasiImport, channel ? [] : cfg.mappings ?? [], () => memory);
  unsignedArguments(wasi.wasiImport);
  if (channel) shareDescriptorTable(wasi.wasiImport, channel, () => memory);
  return wasi;
}

/** The files Worker: the run's one file table, serving every guest thread's calls on descriptors (descriptors.mjs). */
function serveFiles(cfg, memory, channel) {
  const wasi = makeWasi(cfg, memory);
  wasi.initialize({ exports: { memory } });     // binds node:wasi to the shared memory (there is no module to run here)
  serveDescriptorTable(wasi.wasiImport, channel);
}

/** The guest main thread: instantiates the module on the run's shared memory and runs _start. Like every guest
 * thread it asks the supervisor for new threads ('spawn-thread'): a Worker blocked in wasm never runs its event loop,
 * so a thread spawned by a thread waited for ever when the guest main thread owned the Workers. */
async function runGuestMain(cfg, outcome, module, memory, channel, running) {
  const { WASIThreads } = await library();
  const wasi = makeWasi(cfg, memory, channel);
  if (outcome) {
    const procExit = wasi.wasiImport.proc_exit;
    wasi.wasiImport.proc_exit = function (code) { decide(outcome, code); parkForever(); return procExit.call(this, code); };
  }
  const wasiThreads = new WASIThreads({ wasi, childThread: true, postMessage: msg => parentPort.postMessage(msg) });
  const instance = await WebAssembly.instantiate(module, {
    env: { memory },
    wasi_snapshot_preview1: wasi.wasiImport,
    ...wasiThreads.getImportObject(),
  });
  wasiThreads.setup(instance, module, memory);
  let code;
  try {
    code = wasi.start(instance);
  } catch (err) {
    if (outcome) { decide(outcome, 128, `main thread: ${describe(err)}`); parkForever(); }
    throw err;
  }
  return code;
}

/** A guest thread (a Worker spawned by @emnapi/wasi-threads): its own node:wasi on the shared memory. */
async function runGuestThread(cfg, outcome, channel, running) {
  const { WASIThreads, ThreadMessageHandler } = await library();
  const post = msg => parentPort.postMessage(msg);
  const handler = new ThreadMessageHandler({
    postMessage: post,
    async onLoad({ wasmModule, wasmMemory }) {
      const wasi = makeWasi(cfg, wasmMemory, channel);
      if (outcome) {
        const procExit = wasi.wasiImport.proc_exit;
        wasi.wasiImport.proc_exit = function (code) { decide(outcome, code); parkForever(); return procExit.call(this, code); };
      }
      const wasiThreads = new WASIThreads({ wasi, childThread: true, postMessage: post });
      const original = await WebAssembly.instantiate(wasmModule, {
        env: { memory: wasmMemory },
        wasi_snapshot_preview1: wasi.wasiImport,
        ...wasiThreads.getImportObject(),
      });
      return { module: wasmModule, instance: wasiThreads.initialize(original, wasmModule, wasmMemory) };
    },
    onError(err, type) {
      if (outcome) { decide(outcome, 128, `thread: ${describe(err)}`); parkForever(); }
      throw err;
    },
  });
  // The thread is running from its start message until wasi_thread_start returns (@emnapi/wasi-threads 2.2.0 calls it
  // in _start, synchronously), for the names on a timeout.
  const start = handler._start.bind(handler);
  handler._start = payload => {
    markRunning(running, payload.tid, payload.tid);
    try { return start(payload); } finally { markRunning(running, payload.tid, 0); }
  };
  parentPort.on('message', data => handler.handle({ data }));
}

/**
 * Runs a wasi-threads module to its end and exits the process with its code: the guest's main thread runs in a
 * Worker and Node's main thread supervises, so that exit() or a trap in any thread, or the time limit (seconds, 0 for
 * none), ends the run even while the guest's main thread blocks in pthread_join or a condition variable.
 * cfg: { wasm, args (argv[0] first), env, preopens, mappings ([{ guest, host, readOnly }] in the preopens' order) }.
 */
export async function runThreads(cfg, timeoutSeconds) {
  const outcome = new Int32Array(new SharedArrayBuffer(8));
  const limits = memoryImportLimits(readFileSync(cfg.wasm));
  if (!limits) throw new Error('not a wasi-threads module: no env.memory import');
  const memory = new WebAssembly.Memory({ initial: limits.min, maximum: limits.max, shared: true });
  const channel = newChannel();
  const running = new Int32Array(new SharedArrayBuffer(4 * RUNNING_SLOTS));
  const files = new Worker(SELF, { workerData: { role: 'files', cfg, memory, channel } });
  files.on('error', err => decide(outcome, 128, `file table: ${describe(err)}`));
  // The supervisor owns every guest thread's Worker: its event loop stays free to answer 'spawn-thread'.
  const { WASIThreads } = await library();
  const module = await WebAssembly.compile(readFileSync(cfg.wasm));
  const spawner = new WASIThreads({
    wasi: { wasiImport: {} },
    onCreateWorker: () => new Worker(SELF, { workerData: { role: 'thread', cfg, outcome: outcome.buffer, channel, running }, resourceLimits: STACK }),
  });
  spawner.setup({ exports: {} }, module, memory);
  const main = new Worker(SELF, { workerData: { role: 'main', cfg, outcome: outcome.buffer, module, memory, channel, running }, resourceLimits: STACK });
  main.on('error', err => decide(outcome, 128, `main thread: ${describe(err)}`));
  main.on('message', data => {
    const msg = data?.__emnapi__;
    if (msg?.type === 'spawn-thread') spawner.threadSpawn(msg.payload.startArg, msg.payload.errorOrTid);
  });
  if (timeoutSeconds > 0) {
    setTimeout(() => decide(outcome, 128, `timed out after ${timeoutSeconds}s; ${describeRunning(running)}`), timeoutSeconds * 1000).unref();
  }
  await Atomics.waitAsync(outcome, STATE, 0).value;
  process.exit(Atomics.load(outcome, CODE));
}

if (!isMainThread && workerData?.role === 'main') {
  const outcome = new Int32Array(workerData.outcome);
  const code = await runGuestMain(workerData.cfg, outcome, workerData.module, workerData.memory, workerData.channel, workerData.running);
  decide(outcome, code);            // _start returned (or proc_exit with returnOnExit): the run is over
} else if (!isMainThread && workerData?.role === 'thread') {
  await runGuestThread(workerData.cfg, workerData.outcome ? new Int32Array(workerData.outcome) : null, workerData.channel,
    workerData.running);
} else if (!isMainThread && workerData?.role === 'files') {
  serveFiles(workerData.cfg, workerData.memory, workerData.channel);
}
