using System.Formats.Tar;
using System.Security.Cryptography;
using Wasipy.SharedCache;
using Wasipy.Errors;
using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.SharedCache;

/// <summary>User stories about the shared unit cache: checkouts at different paths, on real shell steps.</summary>
public class UnitCacheTests
{
    private const string Steps = """
          - name: gen
            cwd: "{{ dirs.build }}/gen"
            fingerprint: ["echo compiler for {{ dirs.project }}/src"]
            run:
              - echo made in {{ dirs.project }} > paths.txt
              - ln -sf {{ dirs.build }}/gen/paths.txt link.txt
              - "[ ! -f {{ dirs.project }}/binary ] || printf 'x\\000%s' {{ dirs.project }} > tool.bin"
              - echo run >> {{ dirs.project }}/gen.count
            outputs: ["{{ dirs.build }}/gen/paths.txt"]
          - name: use
            run:
              - cat gen/link.txt > used.txt
              - echo run >> {{ dirs.project }}/use.count
            outputs: ["{{ dirs.build }}/used.txt"]
        """;

    /// <summary>One checkout of a tiny project; every checkout of a test shares <see cref="CacheDir"/>.</summary>
    internal sealed class Checkout : IDisposable
    {
        private readonly TempDir _dir = new();

        public Checkout(string cacheDir, string steps = Steps, string config = "", bool binary = false)
        {
            CacheDir = cacheDir;
            _dir.File("wasipy.yaml", config + Samples.Project(steps));
            if (binary) _dir.File("binary", "");
            RecipePath = _dir.File("recipes/3.11.yaml", Samples.Recipe);
        }

        public string CacheDir { get; }
        public string RecipePath { get; }
        public string Root => _dir.Path;
        public string Build => _dir.Combine("build", "3.11");
        public StringWriter Warnings { get; } = new();
        public int Runs(string step) => File.Exists(_dir.Combine(step + ".count")) ? File.ReadAllLines(_dir.Combine(step + ".count")).Length : 0;

        private BuildSession Session(CacheRequest? request, IReadOnlyDictionary<string, string>? env) => BuildSession.Open(new BuildOptions
        {
            RecipePath = RecipePath,
            Cache = request ?? new CacheRequest(),
            Environment = new Dictionary<string, string>(env ?? new Dictionary<string, string>())
            {
                ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin", [CacheSettings.DirVariable] = CacheDir,
            },
        });

        /// <summary>A run of the sample steps (a few shell commands): a minute is far more than they need.</summary>
        private static readonly TimeSpan Limit = TimeSpan.FromMinutes(1);

        public async Task<IReadOnlyList<StepOutcome>> RunAsync(CacheRequest? request = null, IReadOnlyDictionary<string, string>? env = null)
        {
            using var limit = new CancellationTokenSource(Limit);
            return await new PipelineRunner(Session(request, env), new RecordingReporter(), warnings: Warnings).RunAsync(limit.Token);
        }

        public async Task<IReadOnlyList<UnitState>> PlanAsync(CacheRequest? request = null)
        {
            using var limit = new CancellationTokenSource(Limit);
            return await new PipelineRunner(Session(request, null), new RecordingReporter(), warnings: Warnings).PlanAsync(limit.Token);
        }

        public void Dispose() => _dir.Dispose();
    }

    private static (string, StepStatus, string?)[] Statuses(IReadOnlyList<StepOutcome> outcomes) =>
        outcomes.Select(o => (o.Step, o.Status, o.From)).ToArray();

    [Fact]
    public async Task A_second_checkout_at_another_path_restores_every_unit_and_its_text_names_the_new_folder()
    {
        using var cache = new TempDir();
        using var first = new Checkout(cache.Path);
        using var second = new Checkout(cache.Path);
        Assert.Equal([("gen", StepStatus.Done, null), ("use", StepStatus.Done, null)], Statuses(await first.RunAsync()));

        Assert.Equal(["restore", "restore"], (await second.PlanAsync()).Select(s => s.RestoreFrom is null ? "run" : "restore"));
        Assert.Equal([("gen", StepStatus.Restored, "local"), ("use", StepStatus.Restored, "local")], Statuses(await second.RunAsync()));

        Assert.Equal((0, 0), (second.Runs("gen"), second.Runs("use")));
        Assert.Equal($"made in {second.Root}\n", File.ReadAllText(Path.Combine(second.Build, "gen", "paths.txt")));
        Assert.Equal($"made in {second.Root}\n", File.ReadAllText(Path.Combine(second.Build, "used.txt")));
        // The link into the first checkout became a link inside the second one.
        Assert.Equal("paths.txt", new FileInfo(Path.Combine(second.Build, "gen", "link.txt")).LinkTarget);
        // Restored units are stamped as usual: the next run takes them from the stamps.
        Assert.All(await second.RunAsync(), o => Assert.Equal(StepStatus.Cached, o.Status));
    }

    [Fact]
    public async Task A_restored_output_folder_holds_only_what_its_own_run_put_there()
    {
        // site/ is the step's output, inside pkgs/, which holds other things too (the scope is not the step's own): as
        // the packages step's site-packages inside packages/, whose contents depend on the package set.
        const string merge = """
              - name: merge
                run:
                  - mkdir -p pkgs/other && rm -rf pkgs/site && mkdir -p pkgs/site/{{ env.SET }} && echo {{ env.SET }} > pkgs/site/{{ env.SET }}.txt
                outputs: ["{{ dirs.build }}/pkgs/site"]
            """;
        using var cache = new TempDir();
        using var checkout = new Checkout(cache.Path, merge);
        var site = Path.Combine(checkout.Build, "pkgs", "site");
        await checkout.RunAsync(env: new Dictionary<string, string> { ["SET"] = "a" });
        await checkout.RunAsync(env: new Dictionary<string, string> { ["SET"] = "b" });
        Assert.Equal(["b", "b.txt"], Directory.GetFileSystemEntries(site).Select(Path.GetFileName).Order());

        var again = await checkout.RunAsync(env: new Dictionary<string, string> { ["SET"] = "a" });

        Assert.Equal([("merge", StepStatus.Restored, "local")], Statuses(again));
        Assert.Equal(["a", "a.txt"], Directory.GetFileSystemEntries(site).Select(Path.GetFileName).Order());
        Assert.True(Directory.Exists(Path.Combine(checkout.Build, "pkgs", "other")));
    }

    [Fact]
    public async Task Keys_are_the_same_with_and_without_the_unit_cache()
    {
        using var cache = new TempDir();
        using var checkout = new Checkout(cache.Path);
        var with = await checkout.PlanAsync();
        var without = await checkout.PlanAsync(new CacheRequest { Disabled = true });
        Assert.Equal(without.Select(s => s.Key.Value), with.Select(s => s.Key.Value));
    }

    [Fact]
    public async Task No_cache_builds_everything_and_stores_nothing()
    {
        using var cache = new TempDir();
        using var first = new Checkout(cache.Path);
        using var second = new Checkout(cache.Path);
        await first.RunAsync(new CacheRequest { Disabled = true });
        Assert.False(Directory.Exists(Path.Combine(cache.Path, "ac")));
        await first.RunAsync();   // cached by its stamps: nothing stored either
        Assert.Equal([StepStatus.Done, StepStatus.Done], (await second.RunAsync()).Select(o => o.Status));
    }

    [Fact]
    public async Task A_unit_whose_binary_output_names_its_folder_is_restored_only_at_that_path_and_elsewhere_built_only_when_needed()
    {
        using var cache = new TempDir();
        using var first = new Checkout(cache.Path, binary: true);
        using var second = new Checkout(cache.Path, binary: true);
        using var third = new Checkout(cache.Path, Steps.Replace("cat gen/link.txt >", "cat gen/link.txt gen/link.txt >"), binary: true);
        await first.RunAsync();
        Assert.Contains("only for this folder: build/3.11/gen/tool.bin names it", File.ReadAllText(Path.Combine(first.Build, "logs", "gen.log")));

        // Nothing after it runs: it is not needed, and not built.
        Assert.Equal(["deferred", "restore"], (await second.PlanAsync()).Select(s => s.RestoreFrom == UnitCache.Pinned ? "deferred" : s.RestoreFrom is null ? "run" : "restore"));
        Assert.Equal([("gen", StepStatus.Deferred, null), ("use", StepStatus.Restored, "local")], Statuses(await second.RunAsync()));
        Assert.Equal(0, second.Runs("gen"));

        // A unit after it runs: it is built first.
        var outcomes = await third.RunAsync();
        Assert.Equal([("gen", StepStatus.Done, null), ("use", StepStatus.Done, null)], Statuses(outcomes));
        Assert.Equal("needed by use", outcomes[0].Reason);
        Assert.Equal((1, 1), (third.Runs("gen"), third.Runs("use")));

        // In its own folder it is restored.
        Directory.Delete(first.Build, recursive: true);
        Assert.Equal([("gen", StepStatus.Restored, "local"), ("use", StepStatus.Restored, "local")], Statuses(await first.RunAsync()));
        Assert.Equal(1, first.Runs("gen"));
    }

    [Fact]
    public async Task A_tampered_archive_in_the_local_cache_is_refused_by_its_sha256_and_the_unit_is_built()
    {
        using var cache = new TempDir();
        using var first = new Checkout(cache.Path);
        using var second = new Checkout(cache.Path);
        await first.RunAsync();
        foreach (var blob in Directory.GetFiles(Path.Combine(cache.Path, "cas")))
        {
            var bytes = File.ReadAllBytes(blob);
            bytes[600] ^= 0x20;   // inside the first file's data
            File.WriteAllBytes(blob, bytes);
        }

        Assert.Equal([StepStatus.Done, StepStatus.Done], (await second.RunAsync()).Select(o => o.Status));
        Assert.Equal((1, 1), (second.Runs("gen"), second.Runs("use")));
        Assert.Contains("has sha256", File.ReadAllText(Path.Combine(second.Build, "logs", "gen.log")));
        Assert.Equal($"made in {second.Root}\n", File.ReadAllText(Path.Combine(second.Build, "used.txt")));
    }

    [Theory]
    [InlineData("dotdot")]
    [InlineData("absolute-link")]
    [InlineData("link-out")]
    public void A_hostile_archive_is_refused_and_writes_nothing_outside_the_units_folder(string hostile)
    {
        using var root = new TempDir();
        var scope = root.Combine("build", "gen");
        var tar = root.Combine("hostile.tar");
        using (var writer = new TarWriter(File.Create(tar), TarEntryFormat.Pax, leaveOpen: false))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "unit/s0/ok.txt") { DataStream = new MemoryStream("ok"u8.ToArray()) });
            writer.WriteEntry(hostile switch
            {
                "dotdot" => new PaxTarEntry(TarEntryType.RegularFile, "unit/s0/../../../escaped.txt") { DataStream = new MemoryStream("x"u8.ToArray()) },
                "absolute-link" => new PaxTarEntry(TarEntryType.SymbolicLink, "unit/s0/passwd") { LinkName = "/etc/passwd" },
                _ => new PaxTarEntry(TarEntryType.SymbolicLink, "unit/s0/up") { LinkName = "../../../.." },
            });
        }
        string sha;
        using (var stream = File.OpenRead(tar)) sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        var entry = new UnitEntry { Unit = "gen", ArchiveSha256 = sha, ArchiveSize = new FileInfo(tar).Length, Scopes = [new ScopeRecord("build/gen", true)] };

        var error = Assert.Throws<WasipyException>(() =>
            UnitArchive.Restore(tar, entry, [new CacheScope(scope, true)], root.Path, root.Combine("build", ".wasipy", "restore", "gen"), CancellationToken.None));
        Assert.Contains("not safe to unpack", error.Message);
        Assert.False(File.Exists(root.Combine("escaped.txt")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(root.Path)!, "escaped.txt")));
        Assert.False(Directory.Exists(scope));
    }

    [Fact]
    public void Cached_outputs_for_other_folders_than_the_units_are_refused()
    {
        using var root = new TempDir();
        var entry = new UnitEntry { Unit = "gen", ArchiveSha256 = new string('0', 64), ArchiveSize = 0, Scopes = [new ScopeRecord("../elsewhere", true)] };
        var error = Assert.Throws<WasipyException>(() =>
            UnitArchive.Restore(root.Combine("none.tar"), entry, [new CacheScope(root.Combine("build", "gen"), true)], root.Path, root.Combine("staging"), CancellationToken.None));
        Assert.Contains("other folders", error.Message);
    }

    [Fact]
    public void The_rule_puts_a_units_outputs_in_the_top_folders_that_hold_them()
    {
        var scopes = CacheScope.For("/p/build/3.11/wasm", ["/p/build/3.11/wasm/python.wasm", "/p/build/3.11/stage/opt/x", "/p/build/libs/prefix/lib/libz.a"],
            ["/p/build/3.11", "/p/build/libs", "/p/.cache/downloads"]);
        Assert.Equal([new CacheScope("/p/build/3.11/wasm", true), new CacheScope("/p/build/3.11/stage", false), new CacheScope("/p/build/libs/prefix", false)], scopes);
        Assert.Equal([new CacheScope("/p/.cache/downloads/Python-3.11.2.tgz", true)],
            CacheScope.For("/p/build/3.11", ["/p/.cache/downloads/Python-3.11.2.tgz"], ["/p/build/3.11", "/p/.cache/downloads"]));   // a file: whole
        Assert.Null(CacheScope.For("/p/build/3.11", [], ["/p/build/3.11"]));                          // nothing declared
        Assert.Null(CacheScope.For("/p/build/3.11", ["/p/schemas/x.json"], ["/p/build/3.11"]));        // outside the build
        Assert.Null(CacheScope.For("/p/build/3.11", ["/p/build/3.11/.wasipy/x"], ["/p/build/3.11"]));  // where stamps live
    }

    [Fact]
    public void The_project_folder_is_replaced_only_where_a_path_ends()
    {
        Assert.Equal($"-I{Relocation.Token}/inc /w/p2/x", Relocation.ToToken("-I/w/p/inc /w/p2/x", "/w/p"));
        Assert.Equal("-I/w/q/inc", Relocation.FromToken($"-I{Relocation.Token}/inc", "/w/q"));
        Assert.Equal(-1, Relocation.Find("/w/p2"u8, "/w/p"));
    }

    [Fact]
    public void Prune_removes_the_least_recently_used_outputs_first_and_their_entries()
    {
        using var dir = new TempDir();
        var store = new LocalUnitStore(dir.Path);
        var shas = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var part = store.TempPath();
            File.WriteAllBytes(part, new byte[1000 + i]);
            var sha = store.AddBlob(part);
            File.SetLastWriteTimeUtc(store.BlobPath(sha), DateTime.UtcNow.AddDays(i - 10));
            store.PutEntry($"{i:x64}", new UnitEntry { Unit = $"u{i}", ArchiveSha256 = sha, ArchiveSize = 1000 + i, Scopes = [] });
            shas.Add(sha);
        }
        Assert.Equal(new LocalUnitStore.Stats(3, 3, 3003, null, null), store.Measure() with { OldestUse = null, NewestUse = null });
        var orphan = store.TempPath();
        File.WriteAllBytes(orphan, new byte[10]);
        var orphanSha = store.AddBlob(orphan);
        File.SetLastWriteTimeUtc(store.BlobPath(orphanSha), DateTime.UtcNow.AddHours(-2));   // no entry names it
        Assert.Equal(4, Directory.GetFiles(Path.Combine(dir.Path, "cas")).Length);
        Assert.DoesNotContain(orphanSha, shas);

        var (blobs, bytes, entries) = store.Prune(2100);
        Assert.Equal((2, 1010L, 1), (blobs, bytes, entries));
        Assert.Null(store.Entry($"{0:x64}"));
        Assert.NotNull(store.Entry($"{2:x64}"));
        Assert.Equal(2, store.Measure().Blobs);
    }

    [Theory]
    [InlineData("20G", 20L << 30)]
    [InlineData("500M", 500L << 20)]
    [InlineData("1.5GiB", 3L << 29)]
    [InlineData("4096", 4096L)]
    public void Sizes_are_read_with_their_unit(string text, long bytes) => Assert.Equal(bytes, Wasipy.Cli.Commands.CacheCommand.ParseSize(text));

    [Theory]
    [InlineData("cache", "prune", "--max-size", "lots")]
    [InlineData("cache", "prune")]
    [InlineData("plan", "recipes/3.11.yaml", "--remote-cache", "ftp://example.org/cache")]
    public async Task Bad_cache_options_are_one_line_and_exit_2(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = await Wasipy.Cli.WasipyCli.RunAsync(args.Select(a => a == "recipes/3.11.yaml" ? Path.Combine(RepoRoot.Path, a) : a).ToArray(), stdout, stderr).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(2, exit);
        var first = stderr.ToString().Split('\n')[0];
        Assert.StartsWith("wasipy: ", first);
        Assert.DoesNotContain("Exception", stderr.ToString());
    }

    [Fact]
    public async Task A_cache_subcommand_used_wrongly_says_which_help_to_read()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(2, await Wasipy.Cli.WasipyCli.RunAsync(["cache", "prune"], stdout, stderr).WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("Run 'wasipy cache prune --help' for usage.", stderr.ToString());
    }

    [Fact]
    public void Tests_run_with_an_empty_unit_cache_of_their_own_so_end_to_end_builds_stay_cold()
    {
        Assert.Equal(IsolatedUnitCache.Directory, Environment.GetEnvironmentVariable(CacheSettings.DirVariable));
        Assert.StartsWith(Path.GetTempPath(), IsolatedUnitCache.Directory);
    }

    [Fact]
    public void The_cache_folder_comes_from_the_variable_then_wasipy_yaml_then_xdg_then_home()
    {
        var env = new Dictionary<string, string> { ["HOME"] = "/home/u", ["XDG_CACHE_HOME"] = "/x" };
        Assert.Equal("/home/u/.cache/wasipy/units", CacheSettings.DefaultDirectory(null, "/p", new Dictionary<string, string> { ["HOME"] = "/home/u" }));
        Assert.Equal("/x/wasipy/units", CacheSettings.DefaultDirectory(null, "/p", env));
        Assert.Equal("/p/units", CacheSettings.DefaultDirectory("units", "/p", env));
        Assert.Equal("/home/u/c", CacheSettings.DefaultDirectory("~/c", "/p", env));
        env[CacheSettings.DirVariable] = "/v";
        Assert.Equal("/v", CacheSettings.DefaultDirectory("units", "/p", env));
    }

    [Theory]
    [InlineData("cache:\n  remote_timeout_seconds: 0\n", "cache.remote_timeout_seconds is 0: a time-out must be from 1 to 86400 seconds")]
    [InlineData("cache:\n  remote_retries: 11\n", "cache.remote_retries is 11: it must be from 0 (one try) to 10")]
    [InlineData("cache:\n  remote: file:///srv/cache\n", "cache.remote file:///srv/cache: expected an http:// or https:// url of a Bazel-protocol cache (e.g. http://127.0.0.1:8080/cache/)")]
    public async Task A_cache_setting_out_of_range_is_a_load_error_naming_the_line(string cache, string message)
    {
        using var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project("""
              - name: one
                run: [echo one]
            """) + "\n" + cache);
        var recipe = dir.File("recipes/3.11.yaml", Samples.Recipe);
        var stderr = new StringWriter();
        var exit = await Wasipy.Cli.WasipyCli.RunAsync(["run", recipe], new StringWriter(), stderr).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(2, exit);
        Assert.Matches(@"^wasipy: \S+wasipy\.yaml\(\d+,\d+\): " + System.Text.RegularExpressions.Regex.Escape(message) + "$", stderr.ToString().Trim());
    }
}
