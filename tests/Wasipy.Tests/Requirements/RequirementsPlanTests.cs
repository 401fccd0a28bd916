using Wasipy.Pipeline;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Requirements;

/// <summary>What requirements change in the plan of the project's own pipeline.</summary>
public class RequirementsPlanTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("dynamic")]
    public void Requirements_alone_reach_site_packages_of_python_wasm(string? link)
    {
        using var dir = new TempDir();
        var requirements = dir.File("requirements.txt", "attrs==24.2.0\n");
        var units = UnitPlanner.Plan(BuildSession.Open(new BuildOptions
        {
            RecipePath = Path.Combine(RepoRoot.Path, "recipes", "3.13.yaml"), RequirementsFile = requirements, Link = link,
        }));
        Assert.Contains(units, u => u.Id == "requirements");
        Assert.Contains(units.Single(u => u.Id == "stdlib").Commands, c => c.Contains("/packages/site/. tree/lib/python3.13/site-packages/", StringComparison.Ordinal));
    }
}
