using System.Collections;
using System.Globalization;
using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;
using Wasipy.Errors;

namespace Wasipy.Templates;

/// <summary>How a rendered value is written into the output.</summary>
public enum Quoting
{
    /// <summary>Values as plain text (paths, parameters).</summary>
    None,
    /// <summary>Every interpolated value is shell-quoted; a list becomes quoted words separated by spaces.</summary>
    Shell,
}

/// <summary>
/// Renders Scriban templates strictly: an unknown variable or member is an error that names where the
/// template came from (e.g. "step 'configure', run[0]") and the variable.
/// </summary>
public static class TemplateRenderer
{
    public static string Render(string template, ScriptObject model, Quoting quoting, string origin)
    {
        var parsed = Template.Parse(template);
        if (parsed.HasErrors)
            throw new WasipyException($"{origin}: template error: {string.Join("; ", parsed.Messages.Select(m => m.Message))} in \"{template}\"", 2);
        var context = new QuotingContext(quoting)
        {
            StrictVariables = true,
            EnableRelaxedMemberAccess = false,
            MemberRenamer = member => member.Name,
        };
        var globals = new ScriptObject();
        globals.Import("raw", new Func<object?, RawText>(value => new RawText(PlainText(value))));
        globals.Import("shell_assignments", new Func<IDictionary, RawText>(ShellAssignments));
        // `sh x`: x shell-quoted as one word, also in templates that are not quoted as a whole (toolchain commands).
        globals.Import("sh", new Func<object?, RawText>(value => new RawText(ShellQuote.Quote(PlainText(value)))));
        context.PushGlobal(globals);
        context.PushGlobal(model);
        try
        {
            return parsed.Render(context);
        }
        catch (ScriptRuntimeException e)
        {
            throw new WasipyException($"{origin}: {e.OriginalMessage} (in \"{template}\"). Known variables: {string.Join(", ", model.Keys.Order())}", 2);
        }
    }

    /// <summary>Lines of KEY='value' for a config.site or an env file; keys were checked to be shell names.</summary>
    private static RawText ShellAssignments(IDictionary values)
    {
        var lines = values.Keys.Cast<object>()
            .Select(k => k.ToString()!)
            .Order(StringComparer.Ordinal)
            .Select(k => $"{k}={ShellQuote.Quote(PlainText(values[k]))}");
        return new RawText(string.Join('\n', lines));
    }

    internal static string PlainText(object? value) => value switch
    {
        null => "",
        string s => s,
        RawText r => r.Text,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => string.Join(' ', e.Cast<object?>().Select(PlainText)),
        _ => value.ToString() ?? "",
    };

    private static string Quoted(object? value) => value switch
    {
        null => "",
        RawText r => r.Text,
        string s => ShellQuote.Quote(s),
        IDictionary => throw new InvalidOperationException("a map cannot be written into a command; pick one of its values"),
        IEnumerable e => string.Join(' ', e.Cast<object?>().Select(Quoted)),
        _ => ShellQuote.Quote(PlainText(value)),
    };

    private sealed class QuotingContext(Quoting quoting) : TemplateContext
    {
        public override TemplateContext Write(SourceSpan span, object? textAsObject)
        {
            if (quoting == Quoting.Shell)
            {
                Write(Quoted(textAsObject));
                return this;
            }
            Write(PlainText(textAsObject));
            return this;
        }
    }
}
