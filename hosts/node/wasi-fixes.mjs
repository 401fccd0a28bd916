// Work-arounds for Node's node:wasi, shared by run.mjs and threads.mjs.

// Node's node:wasi (uvwasi) treats a clock subscription's timeout as relative even when its flags say it is an
// absolute time (SUBSCRIPTION_CLOCK_ABSTIME), so wasi-libc's clock_nanosleep(TIMER_ABSTIME) -- which CPython 3.13's
// time.sleep() uses -- slept for "now" nanoseconds: for ever. This turns absolute timeouts into relative ones
// before Node sees them (subscription layout: userdata u64, tag u8 at 8, clock id u32 at 16, timeout u64 at 24,
// precision u64 at 32, flags u16 at 40; 48 bytes each).
export function relativePollOneoff(pollOneoff, getMemory) {
  return (inPtr, outPtr, count, eventsPtr) => {
    const view = new DataView(getMemory().buffer);
    for (let i = 0; i < count; i++) {
      const sub = inPtr + i * 48;
      if (view.getUint8(sub + 8) !== 0) continue;                  // not a clock subscription
      const flags = view.getUint16(sub + 40, true);
      if ((flags & 1) === 0) continue;                             // already relative
      const id = view.getUint32(sub + 16, true);
      const now = id === 0 ? BigInt(Date.now()) * 1000000n : process.hrtime.bigint();   // realtime, else monotonic
      const deadline = view.getBigUint64(sub + 24, true);
      view.setBigUint64(sub + 24, deadline > now ? deadline - now : 0n, true);
      view.setUint16(sub + 40, flags & ~1, true);
    }
    return pollOneoff(inPtr, outPtr, count, eventsPtr);
  };
}

// Every i32 a WASI preview 1 function takes is unsigned (descriptors, pointers, lengths, flags), but wasm hands JS a
// signed number, and Node's node:wasi refuses a negative one with EINVAL before looking at it: os.close(-42) or
// os.fstat(-1) said EINVAL instead of EBADF (test_posix's posix_fadvise test), and a pointer above 2 GiB would fail
// the same way. This passes them on as the unsigned values they are; wrap last, so the other fixes see them too.
export function unsignedArguments(imports) {
  for (const [name, fn] of Object.entries(imports)) {
    if (typeof fn !== 'function') continue;
    imports[name] = (...args) => {
      for (let i = 0; i < args.length; i++) if (typeof args[i] === 'number' && args[i] < 0) args[i] >>>= 0;
      return fn(...args);
    };
  }
  return imports;
}
