using Wasipy.Caching;
using Wasipy.Tests.Support;

namespace Wasipy.Tests.Caching;

public class CacheKeyTests
{
    private static CacheKey Key(params (string, string)[] parts)
    {
        var builder = new CacheKey.Builder();
        foreach (var (label, value) in parts) builder.Add(label, value);
        return builder.Build();
    }

    [Fact]
    public void The_same_inputs_give_the_same_key()
    {
        Assert.Equal(Key(("cmd", "make"), ("prev", "abc")), Key(("cmd", "make"), ("prev", "abc")));
    }

    [Fact]
    public void Any_changed_input_changes_the_key()
    {
        var key = Key(("cmd", "make"), ("prev", "abc"));
        Assert.NotEqual(key, Key(("cmd", "make -j2"), ("prev", "abc")));
        Assert.NotEqual(key, Key(("cmd", "make"), ("prev", "abd")));
    }

    [Fact]
    public void Moving_text_between_parts_changes_the_key()
    {
        Assert.NotEqual(Key(("a", "xy"), ("b", "z")), Key(("a", "x"), ("b", "yz")));
    }

    [Fact]
    public void A_folder_hash_follows_file_contents_and_names()
    {
        using var dir = new TempDir();
        dir.File("src/a.c", "int a;");
        var before = ContentHash.OfPath(dir.Combine("src"));
        Assert.Equal(before, ContentHash.OfPath(dir.Combine("src")));
        dir.File("src/a.c", "int b;");
        var changed = ContentHash.OfPath(dir.Combine("src"));
        Assert.NotEqual(before, changed);
        File.Move(dir.Combine("src/a.c"), dir.Combine("src/b.c"));
        Assert.NotEqual(changed, ContentHash.OfPath(dir.Combine("src")));
    }

    [Fact]
    public void A_stamp_is_fresh_only_with_the_same_key_and_all_outputs_present()
    {
        using var dir = new TempDir();
        var cache = new StepCache(dir.Combine("stamps"));
        var output = dir.File("out.txt", "x");
        var key = Key(("a", "1"));
        Assert.False(cache.IsFresh("make", key, [output]));
        cache.MarkDone("make", key);
        Assert.True(cache.IsFresh("make", key, [output]));
        Assert.False(cache.IsFresh("make", Key(("a", "2")), [output]));
        File.Delete(output);
        Assert.False(cache.IsFresh("make", key, [output]));
    }
}
