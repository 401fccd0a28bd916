using Wasipy.Errors;
using Wasipy.Requirements;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Requirements;

/// <summary>Requirements in pip's syntax: what is taken, and bad lines named by file and line (exit 2).</summary>
public class RequirementParsingTests
{
    [Theory]
    [InlineData("click", "click", null)]
    [InlineData("Jinja2>=3.1", "jinja2", null)]
    [InlineData("zope.interface == 6.0", "zope-interface", "6.0")]
    [InlineData("rich[jupyter]==13.7.1", "rich", "13.7.1")]
    [InlineData("typing_extensions>=4,<5; python_version < \"3.13\"", "typing-extensions", null)]
    [InlineData("attrs ~= 23.1", "attrs", null)]
    public void A_requirement_in_pips_syntax_gives_its_normalised_name_and_a_pinned_version(string text, string name, string? pinned)
    {
        var (requirement, problem) = Requirement.Parse(text, "test");
        Assert.Null(problem);
        Assert.Equal(name, requirement!.Name);
        Assert.Equal(pinned, requirement.Pinned);
    }

    [Fact]
    public void A_requirements_file_skips_comments_and_blank_lines_and_joins_continuations()
    {
        using var dir = new TempDir();
        var file = dir.File("requirements.txt", "# tools\nclick>=8  # the CLI\n\nurllib3 \\\n  ==2.8.0\nidna\t# a tab before the comment\n");
        var read = RequirementsFile.Read(file);
        Assert.Equal(["click>=8", "urllib3   ==2.8.0", "idna"], read.Select(r => r.Text));
        Assert.Equal($"{file}:4", read[1].Origin);
    }

    [Theory]
    [InlineData("-r other.txt", "pip options are not taken here")]
    [InlineData("--index-url http://127.0.0.1:9/simple", "pip options are not taken here")]
    [InlineData("demo @ file:///tmp/demo.whl", "a direct reference")]
    [InlineData("./local/project", "a direct reference")]
    [InlineData("click >>= 8", "is not a requirement in pip's syntax")]
    [InlineData("[extra]", "is not a requirement in pip's syntax")]
    public void A_line_that_is_not_a_requirement_is_named_by_file_and_line(string line, string message)
    {
        using var dir = new TempDir();
        var file = dir.File("requirements.txt", $"click\n{line}\n");
        var error = Assert.Throws<WasipyException>(() => RequirementsFile.Read(file));
        Assert.Equal(2, error.ExitCode);
        Assert.StartsWith($"{file}:2: ", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_bad_entry_of_a_recipes_requirements_is_named_by_the_recipes_line()
    {
        using var dir = new TempDir();
        var text = Samples.Recipe.TrimEnd() + "\nrequirements:\n  - click>=8\n  - \"-r other.txt\"\n";
        var path = dir.File("recipes/3.11.yaml", text);
        var recipe = Wasipy.Recipes.RecipeLoader.Load(path);
        Assert.Equal(["click>=8", "-r other.txt"], recipe.Requirements);

        var error = Assert.Throws<ConfigException>(() => RequirementsFile.FromRecipe(recipe));
        Assert.Equal(text.Split('\n').ToList().FindIndex(l => l.Contains("-r other.txt")) + 1, error.Line);
        Assert.Contains("pip options are not taken here", error.Message);
    }

    [Fact]
    public void A_requirements_file_that_does_not_exist_is_bad_input()
    {
        var error = Assert.Throws<WasipyException>(() => RequirementsFile.Read("/nonexistent/requirements.txt"));
        Assert.Equal(2, error.ExitCode);
        Assert.Contains("no such file", error.Message);
    }

    [Theory]
    [InlineData("click-8.1.8-py3-none-any.whl", "click", "8.1.8", true)]
    [InlineData("six-1.16.0-py2.py3-none-any.whl", "six", "1.16.0", true)]
    [InlineData("typing_extensions-4.12.2-py3-none-any.whl", "typing-extensions", "4.12.2", true)]
    [InlineData("numpy-2.2.4-cp313-cp313-manylinux_2_17_x86_64.whl", "numpy", "2.2.4", false)]
    [InlineData("markupsafe-3.0.3-cp313-abi3-any.whl", "markupsafe", "3.0.3", false)]
    [InlineData("oldlib-1.0-py2-none-any.whl", "oldlib", "1.0", false)]
    public void A_wheel_name_says_whether_it_is_pure_python(string file, string name, string version, bool pure)
    {
        Assert.True(WheelName.TryParse(file, out var wheel));
        Assert.Equal((name, version, pure), (wheel.Name, wheel.Version, wheel.IsPure));
    }

    [Theory]
    [InlineData("../click-8.1.8-py3-none-any.whl")]
    [InlineData("click-8.1.8.tar.gz")]
    [InlineData("click.whl")]
    public void A_file_that_is_not_a_wheel_name_is_not_taken_for_one(string file) => Assert.False(WheelName.TryParse(file, out _));
}
