using System.Text.RegularExpressions;

namespace Wasipy.Templates;

/// <summary>POSIX shell quoting: words made only of safe characters stay as they are, others are single-quoted.</summary>
public static partial class ShellQuote
{
    public static string Quote(string value)
    {
        if (value.Length > 0 && SafeWord().IsMatch(value)) return value;
        return "'" + value.Replace("'", "'\\''") + "'";
    }

    [GeneratedRegex(@"^[A-Za-z0-9_./=:,+@%^-]+$")]
    private static partial Regex SafeWord();
}

/// <summary>Text a template writes as it is, without shell quoting (see the template function <c>raw</c>).</summary>
public sealed record RawText(string Text)
{
    public override string ToString() => Text;
}
