using Wasipy.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Wasipy.Yaml;

/// <summary>
/// Reads a YAML file into an immutable record and remembers where each key was, so that both syntax errors
/// and later semantic checks can name file, line and column.
/// </summary>
public sealed partial class YamlFile
{
    private readonly YamlNode? _root;

    private YamlFile(string path, string text, YamlNode? root)
    {
        Path = path;
        Text = text;
        _root = root;
    }

    public string Path { get; }
    public string Text { get; }

    public static YamlFile Read(string path)
    {
        if (!File.Exists(path))
            throw new WasipyException($"{path}: file not found. Check the path (it is relative to {Environment.CurrentDirectory}).", 2);
        var text = File.ReadAllText(path);
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return new YamlFile(path, text, stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null);
        }
        catch (YamlException e)
        {
            throw new ConfigException(path, (int)e.Start.Line, (int)e.Start.Column, Describe(e));
        }
    }

    /// <summary>Deserializes the whole file into <typeparamref name="T"/>; unknown keys, wrong types and missing required keys are errors.</summary>
    public T Deserialize<T>(Action<DeserializerBuilder>? configure = null)
    {
        if (_root is null)
            throw new ConfigException(Path, 1, 1, "the file is empty; see README.md for the expected keys");
        var builder = new DeserializerBuilder()
            .WithNamingConvention(UnderscoredNamingConvention.Instance)
            .WithEnforceRequiredMembers()
            .WithDuplicateKeyChecking()
            .WithTypeMapping<IReadOnlyList<string>, List<string>>()
            .WithTypeMapping<IReadOnlyDictionary<string, string>, Dictionary<string, string>>();
        configure?.Invoke(builder);
        try
        {
            return builder.Build().Deserialize<T>(Text)
                   ?? throw new ConfigException(Path, 1, 1, "the file is empty; see README.md for the expected keys");
        }
        catch (YamlException e)
        {
            throw new ConfigException(Path, (int)e.Start.Line, (int)e.Start.Column, Describe(e));
        }
    }

    /// <summary>Position of the value at a key path such as ("source", "sha256"); the nearest existing parent otherwise.</summary>
    public (int Line, int Column) PositionOf(params string[] keys)
    {
        var node = _root;
        var found = node;
        foreach (var key in keys)
        {
            if (node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child))
                node = found = child;
            else if (node is YamlSequenceNode seq && int.TryParse(key, out var index) && index < seq.Children.Count)
                node = found = seq.Children[index];
            else
                break;
        }
        return found is null ? (1, 1) : ((int)found.Start.Line, (int)found.Start.Column);
    }

    public ConfigException Error(string problem, params string[] keys)
    {
        var (line, column) = PositionOf(keys);
        return new ConfigException(Path, line, column, problem);
    }

    private static string Describe(YamlException e)
    {
        // YamlDotNet puts the useful text ("Property 'x' not found", "Failed to create an instance...",
        // "Input string was not in a correct format") in the innermost exception, worded for .NET programmers.
        var messages = new List<string>();
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (!string.IsNullOrWhiteSpace(x.Message)) messages.Add(StripPosition(x.Message));
        var all = string.Join(" ", messages);
        if (UnknownKey().Match(all) is { Success: true } unknown)
            return $"unknown key '{unknown.Groups[1].Value}'. Remove the key or fix its spelling; README.md lists the keys";
        if (NoDeserializer().Match(all) is { Success: true } shape)
            return $"expected {Expected(shape.Groups[1].Value)} here";
        if (all.Contains("Uninitialized Strings cannot be created", StringComparison.Ordinal) || all.Contains("type 'System.String'", StringComparison.Ordinal))
            return "expected a single value (text) here, not a list or a mapping";
        if (NotInFormat().Match(all) is { Success: true } format)
            return $"'{format.Groups[1].Value}' is not a valid value here (a number or true/false is expected)";
        var text = messages.Count > 1 ? $"{messages[0]} ({messages[^1]})" : messages[0];
        return TypeName().Replace(text, "a value");
    }

    /// <summary>What a .NET type is in YAML terms.</summary>
    private static string Expected(string type) => type switch
    {
        _ when type.StartsWith("System.String", StringComparison.Ordinal) => "a single value (text), not a list or a mapping",
        _ when type.StartsWith("System.Int", StringComparison.Ordinal) => "a whole number",
        _ when type.StartsWith("System.Boolean", StringComparison.Ordinal) => "true or false",
        _ when type.Contains("List", StringComparison.Ordinal) => "a list",
        _ => "a mapping (key: value lines)",
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"Property '([^']+)' not found on type")]
    private static partial System.Text.RegularExpressions.Regex UnknownKey();

    [System.Text.RegularExpressions.GeneratedRegex(@"deserialize the node into type ([^\s,]+)")]
    private static partial System.Text.RegularExpressions.Regex NoDeserializer();

    [System.Text.RegularExpressions.GeneratedRegex(@"input string '([^']*)' was not in a correct format", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex NotInFormat();

    [System.Text.RegularExpressions.GeneratedRegex(@"'?(Wasipy|System)\.[\w.`\[\]]+(, [\w.]+, Version=[^,]+, Culture=[^,]+, PublicKeyToken=\w+)?'?")]
    private static partial System.Text.RegularExpressions.Regex TypeName();

    private static string StripPosition(string message)
    {
        // "(Line: 3, Col: 5, Idx: 20) - (Line: ...): text" -> "text"
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && marker >= 0 ? message[(marker + 3)..] : message;
    }
}
