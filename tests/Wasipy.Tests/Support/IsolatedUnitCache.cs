using System.Runtime.CompilerServices;

namespace Wasipy.Tests.Support;

/// <summary>
/// Every test run gets a fresh, empty unit cache (WASIPY_CACHE_DIR, inherited by the wasipy processes tests start),
/// so the end-to-end builds stay truly cold and no test reads or fills the user's ~/.cache/wasipy/units.
/// </summary>
internal static class IsolatedUnitCache
{
    public static string Directory { get; private set; } = "";

    [ModuleInitializer]
    internal static void Initialize()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("wasipy-test-units-").FullName;
        Environment.SetEnvironmentVariable(Wasipy.SharedCache.CacheSettings.DirVariable, Directory);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
    }
}
