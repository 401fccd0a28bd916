namespace Wasipy.Wasm;

/// <summary>A file that every thread's stdout (or stderr) appends to through one FileStream, so that writes
/// from several WASI contexts interleave instead of clobbering each other. Use
/// <c>config.WithStandardOutputCallback(shared.Write)</c> in the factory.</summary>
public sealed class SharedOutput(string path) : IDisposable
{
    private readonly FileStream _file = new(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
    private readonly Lock _lock = new();
    public void Write(ReadOnlySpan<byte> data) { lock (_lock) _file.Write(data); }   // flushed on Dispose
    public void Dispose() { lock (_lock) _file.Dispose(); }
}
