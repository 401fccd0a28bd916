using Wasipy.Caching;
using Wasipy.Pipeline;

namespace Wasipy.Tests.Pipeline;

public class KeyDifferenceTests
{
    private static IReadOnlyList<KeyComponent> Manifest(params (string, string)[] parts) => parts.Select(p => new KeyComponent(p.Item1, p.Item2)).ToList();

    [Fact]
    public void A_changed_configure_flag_is_named_and_upstream_changes_come_last()
    {
        var before = Manifest(("needs patch", "k1"), ("commands[1]", "./configure --host=wasm32 --with-ensurepip=no"), ("commands.count", "2"));
        var after = Manifest(("needs patch", "k2"), ("commands[1]", "./configure --host=wasm32 --without-ensurepip"), ("commands.count", "2"));

        Assert.Equal("commands[1] changed: --with-ensurepip=no → --without-ensurepip; patch changed before it", KeyDifference.Describe(before, after));
    }

    [Fact]
    public void Added_and_removed_components_say_so()
    {
        var before = Manifest(("checks[0]", "a"), ("inputs[0]", "x"));
        var after = Manifest(("checks[0]", "a"), ("checks[1]", "b"));

        Assert.Equal("checks[1] added; inputs[0] removed", KeyDifference.Describe(before, after));
        Assert.Equal("", KeyDifference.Describe(after, after));
    }
}
