// One file-descriptor table for every thread of a wasi-threads run under Node (threads.mjs), as the engine's runner
// has (engine/Wasm/WasiDescriptorServer.cs). @emnapi/wasi-threads gives each Worker its own node:wasi, so a file one
// thread opened was "Bad file descriptor" in another. Here one Worker of its own (the "files" Worker) holds the only
// node:wasi with the mapped folders, and every guest thread's WASI calls that use a descriptor above 2 (fd_* on one,
// path_*, sock_*, poll_oneoff waiting on a descriptor) are carried out there, one at a time, on the shared memory:
// their pointers mean the same there. Stdio, clocks, sleeping, random, arguments and exit stay in each thread's own
// node:wasi, so a thread blocked on stdin or asleep holds up nobody.
//
// The channel is a SharedArrayBuffer: a lock word (one caller at a time), a state word (idle, request, done), the
// call's number, its arguments (each an i32 or an i64: WASI preview 1 has no other kind) and the result, or the
// message of the exception it threw (the caller throws it again: a trap in that thread, as the call would be alone).
// Callers and the server block in Atomics.wait: the run's time limit (threads.mjs) ends every thread, so no wait
// outlives the run.

const LOCK = 0, STATE = 1, CALL = 2, COUNT = 3, RESULT = 4, FAILED = 5, KINDS = 6, MESSAGE_LENGTH = 7;
const IDLE = 0, REQUEST = 1, DONE = 2;
const MAX_ARGS = 16, MESSAGE_BYTES = 1024;
const ARGS_AT = 64, MESSAGE_AT = ARGS_AT + 8 * MAX_ARGS;

/** Whether a WASI call may name a descriptor; the others never leave the calling thread. */
export function mayUseTable(name) {
  return name.startsWith('fd_') || name.startsWith('path_') || name.startsWith('sock_') || name === 'poll_oneoff';
}

/** Whether this call uses the shared table: path_* and sock_* always, fd_* on a descriptor above 2 (fd_renumber: either
 * one), poll_oneoff when one of its subscriptions waits on a descriptor (tag 1 or 2 at byte 8 of each 48). */
export function usesSharedTable(name, args, getMemory) {
  if (name.startsWith('path_') || name.startsWith('sock_')) return true;
  if (name === 'fd_renumber') return args[0] > 2 || args[1] > 2;
  if (name.startsWith('fd_')) return args[0] > 2;
  if (name === 'poll_oneoff') {
    const bytes = new Uint8Array(getMemory().buffer);
    for (let i = 0; i < args[2]; i++) if (bytes[args[0] + i * 48 + 8] !== 0) return true;
  }
  return false;
}

/** A new channel, to give the files Worker and every guest thread (it can be posted to a Worker). */
export function newChannel() {
  return new SharedArrayBuffer(MESSAGE_AT + MESSAGE_BYTES);
}

function views(channel) {
  return { ctl: new Int32Array(channel, 0, 16), args: new BigInt64Array(channel, ARGS_AT, MAX_ARGS), message: new Uint8Array(channel, MESSAGE_AT, MESSAGE_BYTES) };
}

/** The names of the calls the channel carries, numbered alike in every thread. */
function callNames(imports) {
  return Object.keys(imports).filter(mayUseTable).sort();
}

/**
 * Wraps `imports` (this thread's own node:wasi functions) in place: each call that uses the shared table goes through
 * `channel` to the files Worker; the rest stay here. Wrap last, over the other fixes.
 */
export function shareDescriptorTable(imports, channel, getMemory) {
  const { ctl, args, message } = views(channel);
  const names = callNames(imports);
  names.forEach((name, number) => {
    const own = imports[name];
    imports[name] = (...a) => (usesSharedTable(name, a, getMemory) ? forward(number, a) : own(...a));
  });
  function forward(number, a) {
    if (a.length > MAX_ARGS) throw new Error(`a WASI call with ${a.length} arguments`);
    while (Atomics.compareExchange(ctl, LOCK, 0, 1) !== 0) Atomics.wait(ctl, LOCK, 1);
    try {
      let kinds = 0;
      for (let i = 0; i < a.length; i++) {
        if (typeof a[i] === 'bigint') { kinds |= 1 << i; args[i] = a[i]; } else args[i] = BigInt(a[i]);
      }
      ctl[CALL] = number; ctl[COUNT] = a.length; ctl[KINDS] = kinds;
      Atomics.store(ctl, STATE, REQUEST);
      Atomics.notify(ctl, STATE);
      let state;
      while ((state = Atomics.load(ctl, STATE)) !== DONE) Atomics.wait(ctl, STATE, state);
      const failed = ctl[FAILED], result = ctl[RESULT];
      const text = failed ? new TextDecoder().decode(message.slice(0, ctl[MESSAGE_LENGTH])) : '';
      Atomics.store(ctl, STATE, IDLE);
      if (failed) throw new Error(text);
      return result;
    } finally {
      Atomics.store(ctl, LOCK, 0);
      Atomics.notify(ctl, LOCK, 1);
    }
  }
  return imports;
}

/** The files Worker's loop: carries out the calls sent through `channel` with `imports` (its node:wasi functions, bound
 * to the shared memory), for ever; the run's end terminates the Worker. */
export function serveDescriptorTable(imports, channel) {
  const { ctl, args, message } = views(channel);
  const functions = callNames(imports).map(name => imports[name]);
  for (;;) {
    let state;
    while ((state = Atomics.load(ctl, STATE)) !== REQUEST) Atomics.wait(ctl, STATE, state);
    const count = ctl[COUNT], kinds = ctl[KINDS];
    const a = [];
    for (let i = 0; i < count; i++) a.push(kinds & (1 << i) ? args[i] : Number(BigInt.asIntN(32, args[i])));
    try {
      ctl[RESULT] = functions[ctl[CALL]](...a);
      ctl[FAILED] = 0;
    } catch (err) {
      const bytes = new TextEncoder().encode(`${err?.name ?? 'Error'} in the shared file table: ${err?.message ?? err}`).slice(0, MESSAGE_BYTES);
      message.set(bytes);
      ctl[MESSAGE_LENGTH] = bytes.length;
      ctl[FAILED] = 1;
    }
    Atomics.store(ctl, STATE, DONE);
    Atomics.notify(ctl, STATE);
  }
}
