using System.Runtime.Versioning;

// wasipy drives configure/make through bash: it runs on Linux (and macOS), not Windows.
[assembly: SupportedOSPlatform("linux")]
[assembly: SupportedOSPlatform("macos")]
