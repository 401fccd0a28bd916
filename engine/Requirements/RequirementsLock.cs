using System.Text.Json;
using System.Text.Json.Serialization;
using Wasipy.Errors;

namespace Wasipy.Requirements;

/// <summary>One wheel of a resolved set: what it is, which file, and the sha256 that file must have.</summary>
public sealed record LockedWheel(string Name, string Version, string File, string Sha256)
{
    /// <summary>What goes into the unit's key and what `why` compares: one line per wheel.</summary>
    public override string ToString() => $"{Name}=={Version} {File} sha256:{Sha256}";
}

/// <summary>
/// The resolved set of a build's requirements (written beside the requirements file, or the recipe): for which
/// CPython and which requirements it was resolved, and every wheel with its sha256. A build with a lock that is for
/// its requirements installs exactly these files; the requirements unit's key is the lock.
/// </summary>
public sealed record RequirementsLock(string Python, IReadOnlyList<string> Requirements, IReadOnlyList<LockedWheel> Wheels)
{
    public const string Note = "written by wasipy: the requirements resolved by pip for this CPython; delete it to resolve them again";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private sealed record Document(string? Note, string? Python, List<string>? Requirements, List<LockedWheel>? Wheels);

    /// <summary>Whether this lock was resolved for these requirements and this CPython (X.Y).</summary>
    public bool IsFor(string python, IEnumerable<string> requirements) => Python == python && Requirements.SequenceEqual(requirements);

    /// <summary>The lock at <paramref name="path"/>, or null when there is none. One that cannot be read is bad input.</summary>
    public static RequirementsLock? Read(string path)
    {
        if (!System.IO.File.Exists(path)) return null;
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(System.IO.File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new WasipyException($"{path}: not a wasipy lock ({e.Message}); delete it to resolve the requirements again", 2);
        }
        if (document is not { Python: { } python, Requirements: { } requirements, Wheels: { } wheels }
            || wheels.Any(w => w is null || string.IsNullOrEmpty(w.Name) || string.IsNullOrEmpty(w.Version) || !WheelName.TryParse(w.File, out _)
                               || w.Sha256 is null || w.Sha256.Length != 64 || !w.Sha256.All(Uri.IsHexDigit)))
            throw new WasipyException($"{path}: not a wasipy lock (it needs python, requirements and wheels with name, version, a wheel file name and its sha256); " +
                                      "delete it to resolve the requirements again", 2);
        return new RequirementsLock(python, requirements, wheels);
    }

    public void Write(string path)
    {
        var text = JsonSerializer.Serialize(new Document(Note, Python, [.. Requirements], [.. Wheels]), Json);
        var temporary = path + ".tmp";
        System.IO.File.WriteAllText(temporary, text + "\n");
        System.IO.File.Move(temporary, path, overwrite: true);
    }
}
