using System.Security.Cryptography;
using Wasipy.Cli;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Pipeline;

/// <summary>wasipy.yaml's downloads: and a recipe's source, as a user would write them: checked at load, or they work.</summary>
public class DownloadSettingsTests
{
    private const string FetchStep = """
          - name: fetch
            uses: fetch
        """;

    private static async Task<(int Exit, string Stderr)> Run(params string[] args)
    {
        var stderr = new StringWriter();
        var exit = await WasipyCli.RunAsync(args, new StringWriter(), stderr).WaitAsync(TimeSpan.FromSeconds(60));
        return (exit, stderr.ToString().Trim());
    }

    private static (TempDir Dir, string Recipe) Project(string downloads, string recipe = Samples.Recipe)
    {
        var dir = new TempDir();
        dir.File("wasipy.yaml", Samples.Project(FetchStep) + "\n" + downloads);
        return (dir, dir.File("recipes/3.11.yaml", recipe));
    }

    [Theory]
    [InlineData("downloads:\n  idle_timeout_seconds: -5\n", "downloads.idle_timeout_seconds is -5: a time-out must be from 1 to 86400 seconds")]
    [InlineData("downloads:\n  connect_timeout_seconds: 0\n", "downloads.connect_timeout_seconds is 0: a time-out must be from 1 to 86400 seconds")]
    [InlineData("downloads:\n  attempt_timeout_seconds: -1\n", "downloads.attempt_timeout_seconds is -1: a time-out must be from 1 to 86400 seconds")]
    [InlineData("downloads:\n  idle_timeout_seconds: 1000000\n", "downloads.idle_timeout_seconds is 1000000: a time-out must be from 1 to 86400 seconds")]
    [InlineData("downloads:\n  retries: -1\n", "downloads.retries is -1: it must be from 0 (one try per url) to 100")]
    [InlineData("downloads:\n  max_bytes: 0\n", "downloads.max_bytes is 0: it must be 1 or more (bytes; the default is 1073741824, 1 GiB)")]
    public async Task A_download_setting_out_of_range_is_a_load_error_naming_the_line(string downloads, string message)
    {
        var (dir, recipe) = Project(downloads);
        using var _ = dir;

        var (exit, stderr) = await Run("run", recipe);

        Assert.Equal(2, exit);
        Assert.Matches(@"^wasipy: \S+wasipy\.yaml\(20,\d+\): " + System.Text.RegularExpressions.Regex.Escape(message) + "$", stderr);
        Assert.Single(stderr.Split('\n'));
        Assert.False(Directory.Exists(dir.Combine("downloads")));
    }

    [Fact]
    public async Task Zero_retries_loads_and_the_fetch_works_with_one_try()
    {
        using var archiveDir = new TempDir();
        var archive = archiveDir.File("Python-3.11.2.tgz", "pretend archive");
        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(archive)));
        var recipe = Samples.Recipe.Replace("https://www.python.org/ftp/python/3.11.2/Python-3.11.2.tgz", new Uri(archive).AbsoluteUri)
            .Replace(Samples.Sha, sha);
        var (dir, path) = Project("downloads:\n  retries: 0\n", recipe);
        using var _ = dir;

        var (exit, stderr) = await Run("run", path);

        Assert.True(exit == 0, stderr);
        Assert.Equal("pretend archive", File.ReadAllText(dir.Combine("downloads", "Python-3.11.2.tgz")));
    }

    [Theory]
    [InlineData("https://www.python.org/ftp/python/3.11.2/", "")]
    [InlineData("https://www.python.org/ftp/python/3.11.2/..%2F..%2F.bashrc", ".bashrc")]
    public async Task A_url_that_names_no_plain_file_is_a_load_error_naming_the_recipe(string url, string name)
    {
        var (dir, recipe) = Project("", Samples.Recipe.Replace("https://www.python.org/ftp/python/3.11.2/Python-3.11.2.tgz", url));
        using var _ = dir;

        var (exit, stderr) = await Run("run", recipe);

        Assert.Equal(2, exit);
        Assert.True(stderr.Contains("recipes/3.11.yaml(4,7): ", StringComparison.Ordinal), stderr);
        Assert.True(stderr.Contains($"does not end in a plain file name ('{name}'), and the download cache needs one: set source.file_name", StringComparison.Ordinal), stderr);
        Assert.Single(stderr.Split('\n'));
    }

    [Fact]
    public async Task A_url_ending_in_a_slash_is_fine_with_a_file_name()
    {
        var (dir, recipe) = Project("", Samples.Recipe
            .Replace("https://www.python.org/ftp/python/3.11.2/Python-3.11.2.tgz", "https://www.python.org/ftp/python/3.11.2/")
            .Replace("  sha256:", "  file_name: Python-3.11.2.tgz\n  sha256:"));
        using var _ = dir;

        var (exit, stderr) = await Run("plan", recipe);

        Assert.True(exit == 0, stderr);
    }

    [Fact]
    public async Task A_source_size_of_zero_is_a_load_error()
    {
        var (dir, recipe) = Project("", Samples.Recipe.Replace("  sha256:", "  size: 0\n  sha256:"));
        using var _ = dir;

        var (exit, stderr) = await Run("plan", recipe);

        Assert.Equal(2, exit);
        Assert.Contains("source.size is 0: it must be the archive's size in bytes (1 or more), or left out", stderr);
    }
}
