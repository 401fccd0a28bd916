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

    /// <summary>The largest YAML file wasipy reads (recipes and wasipy.yaml are a few KiB).</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The most values a file may hold once its aliases are expanded (a value is a scalar, list or mapping).</summary>
    public const long MaxNodes = 100_000;

    /// <summary>The most characters of scalar text a file may hold once its aliases are expanded.</summary>
    public const long MaxExpandedChars = 4 * MaxBytes;

    public static YamlFile Read(string path)
    {
        // Checked without opening: a FIFO would block the read and a device would never end.
        switch (Sources.FileKinds.OfTarget(path))
        {
            case Sources.FileKind.Missing:
                throw new WasipyException($"{path}: file not found. Check the path (it is relative to {Environment.CurrentDirectory}).", 2);
            case Sources.FileKind.Directory:
                throw new WasipyException($"{path} is a folder, not a YAML file; give the path of a file", 2);
            case Sources.FileKind.Special:
                throw new WasipyException($"{path} is a FIFO, socket or device, not a YAML file; wasipy reads only regular files", 2);
        }
        var text = ReadLimited(path);
        try
        {
            CheckExpansion(path, text);
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return new YamlFile(path, text, stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null);
        }
        catch (YamlException e)
        {
            throw new ConfigException(path, (int)e.Start.Line, (int)e.Start.Column, Describe(e));
        }
    }

    private static string ReadLimited(string path)
    {
        using var stream = File.OpenRead(path);
        var buffer = new byte[MaxBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0) length += read;
        if (length > MaxBytes)
            throw new ConfigException(path, 1, 1, $"the file is larger than {MaxBytes / 1024} KiB, the most wasipy reads from a YAML file; a recipe is a few KiB");
        return new System.Text.UTF8Encoding(false).GetString(buffer, 0, length).TrimStart('\uFEFF');
    }

    /// <summary>
    /// Counts the values the file holds with its aliases expanded (an alias counts as much as what its anchor
    /// names, anchors within anchors included), before anything builds them: a few KiB of nested aliases would
    /// otherwise expand to gigabytes. Too many is refused at the alias that crosses the limit.
    /// </summary>
    private static void CheckExpansion(string path, string text)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, (long Nodes, long Chars)>(StringComparer.Ordinal);
        var open = new Stack<(string Anchor, long Nodes, long Chars)>();
        long nodes = 0, chars = 0;
        while (parser.MoveNext())
        {
            var current = parser.Current!;
            switch (current)
            {
                case YamlDotNet.Core.Events.Scalar scalar:
                    nodes++;
                    chars += scalar.Value.Length;
                    if (!scalar.Anchor.IsEmpty) anchors[scalar.Anchor.Value] = (1, scalar.Value.Length);
                    break;
                case YamlDotNet.Core.Events.NodeEvent { } start when current is YamlDotNet.Core.Events.SequenceStart or YamlDotNet.Core.Events.MappingStart:
                    nodes++;
                    open.Push((start.Anchor.IsEmpty ? "" : start.Anchor.Value, nodes - 1, chars));
                    break;
                case YamlDotNet.Core.Events.SequenceEnd or YamlDotNet.Core.Events.MappingEnd:
                    var (anchor, nodesBefore, charsBefore) = open.Pop();
                    if (anchor.Length > 0) anchors[anchor] = (nodes - nodesBefore, chars - charsBefore);
                    break;
                case YamlDotNet.Core.Events.AnchorAlias alias:
                    var (aliasNodes, aliasChars) = anchors.GetValueOrDefault(alias.Value.Value, (1, 0));
                    nodes += aliasNodes;
                    chars += aliasChars;
                    break;
            }
            if (nodes > MaxNodes || chars > MaxExpandedChars)
                throw new ConfigException(path, (int)current.Start.Line, (int)current.Start.Column,
                    $"with its aliases (*name) expanded the file holds more than {(nodes > MaxNodes ? $"{MaxNodes:N0} values" : $"{MaxExpandedChars / (1024 * 1024)} MiB of text")}, " +
                    "far more than any recipe; write the values out or use fewer aliases");
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
        // The rest of YamlDotNet's and .NET's wording, in YAML words.
        if (all.Contains("too large or too small", StringComparison.Ordinal) || all.Contains("resulted in an overflow", StringComparison.Ordinal))
            return "this number is out of range here (a whole number of at most 2147483647 is expected)";
        if (InvalidCast().Match(all) is { Success: true } cast)
            return $"expected {Expected(cast.Groups[1].Value)} here";
        if (MissingAnchor().Match(all) is { Success: true } anchor)
            return $"the alias *{anchor.Groups[1].Value} names no anchor (&{anchor.Groups[1].Value}) before it";
        if (UnresolvedTag().Match(all) is { Success: true } tag)
            return $"the tag '{tag.Groups[1].Value}' is not supported here; write the value without a tag";
        if (DuplicateKey().Match(all) is { Success: true } duplicate)
            return $"the key '{duplicate.Groups[1].Value.Trim()}' appears twice in this mapping; keep one";
        messages = messages.Where(m => !m.StartsWith("Exception during deserialization", StringComparison.Ordinal)).DefaultIfEmpty("this value cannot be read").ToList();
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

    [System.Text.RegularExpressions.GeneratedRegex(@"Invalid cast from '[^']*' to '([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex InvalidCast();

    [System.Text.RegularExpressions.GeneratedRegex(@"The anchor '([^']*)' does not exist")]
    private static partial System.Text.RegularExpressions.Regex MissingAnchor();

    [System.Text.RegularExpressions.GeneratedRegex(@"unresolved tag '([^']*)'")]
    private static partial System.Text.RegularExpressions.Regex UnresolvedTag();

    [System.Text.RegularExpressions.GeneratedRegex(@"Duplicate key (\S+)")]
    private static partial System.Text.RegularExpressions.Regex DuplicateKey();

    [System.Text.RegularExpressions.GeneratedRegex(@"'?(Wasipy|System)\.[\w.`\[\]]+(, [\w.]+, Version=[^,]+, Culture=[^,]+, PublicKeyToken=\w+)?'?")]
    private static partial System.Text.RegularExpressions.Regex TypeName();

    private static string StripPosition(string message)
    {
        // "(Line: 3, Col: 5, Idx: 20) - (Line: ...): text" -> "text"
        var marker = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && marker >= 0 ? message[(marker + 3)..] : message;
    }
}
