using Scriban.Runtime;
using Wasipy.Errors;
using Wasipy.Templates;

namespace Wasipy.Tests.Templates;

public class TemplateRendererTests
{
    private static ScriptObject Model() => new()
    {
        ["recipe"] = new ScriptObject
        {
            ["version"] = "3.11.2",
            ["flags"] = new ScriptArray(new[] { "--disable-ipv6", "--with-x=a b" }),
            ["overrides"] = new ScriptObject { ["ac_cv_func_dlopen"] = "no", ["ac_cv_x"] = "it's" },
        },
        ["dirs"] = new ScriptObject { ["build"] = "/tmp/my build" },
    };

    [Fact]
    public void Values_in_shell_commands_are_quoted_and_plain_words_are_left_alone()
    {
        var text = TemplateRenderer.Render("cd {{ dirs.build }} && ./configure {{ recipe.flags }} V={{ recipe.version }}", Model(), Quoting.Shell, "test");
        Assert.Equal("cd '/tmp/my build' && ./configure --disable-ipv6 '--with-x=a b' V=3.11.2", text);
    }

    [Fact]
    public void A_single_quote_inside_a_value_cannot_break_out_of_the_quoting()
    {
        var model = new ScriptObject { ["name"] = "x'; rm -rf / #" };
        var text = TemplateRenderer.Render("echo {{ name }}", model, Quoting.Shell, "test");
        Assert.Equal("echo 'x'\\''; rm -rf / #'", text);
    }

    [Fact]
    public void Raw_opts_out_of_quoting()
    {
        var model = new ScriptObject { ["cc"] = "clang-16 --target=wasm32-wasi" };
        Assert.Equal("clang-16 --target=wasm32-wasi -E", TemplateRenderer.Render("{{ raw cc }} -E", model, Quoting.Shell, "test"));
    }

    [Fact]
    public void Shell_assignments_writes_sorted_quoted_lines()
    {
        var text = TemplateRenderer.Render("{{ shell_assignments recipe.overrides }}", Model(), Quoting.Shell, "test");
        Assert.Equal("ac_cv_func_dlopen=no\nac_cv_x='it'\\''s'", text);
    }

    [Fact]
    public void Paths_render_without_quoting()
    {
        Assert.Equal("/tmp/my build/src", TemplateRenderer.Render("{{ dirs.build }}/src", Model(), Quoting.None, "test"));
    }

    [Fact]
    public void An_unknown_variable_is_an_error_naming_the_origin_and_the_variable()
    {
        var e = Assert.Throws<WasipyException>(() =>
            TemplateRenderer.Render("make -j{{ job }}", Model(), Quoting.Shell, "wasipy.yaml: step 'make', run[0]"));
        Assert.Contains("step 'make', run[0]", e.Message);
        Assert.Contains("job", e.Message);
        Assert.Equal(2, e.ExitCode);
    }

    [Fact]
    public void An_unknown_member_is_an_error_rather_than_empty_text()
    {
        var e = Assert.Throws<WasipyException>(() =>
            TemplateRenderer.Render("{{ recipe.verison }}", Model(), Quoting.None, "step 'x'"));
        Assert.Contains("verison", e.Message);
    }

    [Fact]
    public void A_template_syntax_error_names_the_origin()
    {
        var e = Assert.Throws<WasipyException>(() => TemplateRenderer.Render("{{ for x in }}", Model(), Quoting.None, "step 'y', run[1]"));
        Assert.Contains("step 'y', run[1]", e.Message);
    }
}
