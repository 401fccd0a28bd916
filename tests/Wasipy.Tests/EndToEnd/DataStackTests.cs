using Wasipy.Tests.Support;
using Wasipy.Wasm;
using Xunit.Abstractions;

namespace Wasipy.Tests.EndToEnd;

/// <summary>
/// CPython 3.13.15 with the data stack and an image library built in: pandas 2.3.3 over numpy 2.2.4 (with
/// python-dateutil, pytz, six and tzdata), Pillow 12.3.0 over libjpeg-turbo, FreeType and libpng, in one packed file
/// that runs with nothing mapped under Wasmtime and under Node's node:wasi. Time zones come from the tzdata package
/// (IANA 2026c): WASI has no /usr/share/zoneinfo. Every package's own checks (recipes/packages/*.yaml) run on both
/// hosts too. Expected values are worked out by hand from the IANA rules and the data.
/// </summary>
[Trait("Category", "EndToEnd")]
[Collection(EndToEndCollection.Name)]
public class DataStackTests(CPythonBuilds builds, ITestOutputHelper output)
{
    private const string Program = """
        import io, json, datetime as dt, zoneinfo
        import pandas as pd, PIL, pytz, dateutil.tz
        from PIL import Image, ImageFont
        utc = dt.timezone.utc
        def hours(zone, *t): return dt.datetime(*t, tzinfo=utc).astimezone(zoneinfo.ZoneInfo(zone)).utcoffset().total_seconds() / 3600
        tokyo = pd.to_datetime(pd.Series(['2025-01-15 12:00', '2025-07-15 23:30'])).dt.tz_localize('UTC').dt.tz_convert('Asia/Tokyo')
        df = pd.DataFrame({'k': ['a', 'b', 'a'], 'v': [1, 2, 3]})
        im = Image.new('RGB', (4, 2), (1, 2, 3)); png = io.BytesIO(); im.save(png, 'PNG')
        print(json.dumps([hours('Europe/Paris', 2025, 3, 30, 0, 59), hours('Europe/Paris', 2025, 3, 30, 1),
                          hours('America/New_York', 2025, 3, 9, 6, 59), hours('America/New_York', 2025, 3, 9, 7),
                          pytz.timezone('Europe/Paris').localize(dt.datetime(2025, 7, 1)).tzname(),
                          dt.datetime(2025, 1, 1, tzinfo=dateutil.tz.gettz('America/New_York')).tzname(),
                          tokyo.dt.strftime('%Y-%m-%d %H:%M%z').tolist(), df.groupby('k')['v'].sum().to_dict(),
                          list(Image.open(io.BytesIO(png.getvalue())).getpixel((3, 1))),
                          type(ImageFont.load_default()).__name__, pd.__version__, PIL.__version__]))
        try: df['missing']
        except KeyError as e: print('KeyError', e)
        """;

    private const string Expected = """
        [1.0, 2.0, -5.0, -4.0, "CEST", "EST", ["2025-01-15 21:00+0900", "2025-07-16 08:30+0900"], {"a": 4, "b": 2}, [1, 2, 3], "FreeTypeFont", "2.3.3", "12.3.0"]
        KeyError 'missing'
        """;

    [FullTierFact]
    public async Task Pandas_pillow_and_time_zones_run_from_one_file_under_both_hosts()
    {
        Assert.True(Directory.Exists(CPythonBuilds.Mirror), $"the offline mirror {CPythonBuilds.Mirror} is missing (shared/ beside the project, or WASIPY_TEST_MIRROR)");
        var (session, python, _) = await builds.BuildAsync("3.13.yaml", output, null,
            "--with", "pandas,pillow", "--mirror", CPythonBuilds.Mirror);
        Assert.Equal("", python.HostPrefix);
        var names = session.Packages.Select(p => p.Recipe.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "numpy", "pandas", "pillow", "python-dateutil", "pytz", "six", "tzdata" }, names);

        foreach (var host in WasiHosts.Names)
        {
            using var runner = WasiHosts.Create(host, session.Dirs.ModuleCache, session.Config.Root);
            var result = python.Run(runner, ["-c", Program]);
            Assert.True(result.Succeeded, $"{host}: {result.Stderr}{result.Trap}");
            Assert.Equal(Expected.Trim(), result.Stdout.Trim());
            foreach (var package in session.Packages.Where(p => !p.Recipe.Package!.Tool))
                foreach (var check in package.Recipe.Package!.Checks)
                {
                    var run = python.Run(runner, ["-c", check]);
                    Assert.True(run.Succeeded, $"{host}: {package.Recipe.Name}'s check failed:\n{check}\n{run.Stdout}{run.Stderr}{run.Trap}");
                }
            output.WriteLine($"{host}: the program and {session.Packages.Sum(p => p.Recipe.Package!.Checks.Count)} package checks pass");
        }
        var size = new FileInfo(python.WasmPath).Length;
        output.WriteLine($"packed size with numpy, pandas, Pillow and their needs: {size} bytes ({size / 1048576.0:F1} MiB)");
        Assert.True(size <= 45 * 1024 * 1024, $"the packed file with pandas and Pillow is {size} bytes, over the 45 MiB goal");
    }
}
