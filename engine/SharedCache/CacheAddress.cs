using System.Text;
using Wasipy.Caching;

namespace Wasipy.SharedCache;

/// <summary>
/// Where a unit's outputs are kept in the shared cache: the hash of its key's components with the project folder's
/// path made a placeholder, and each needed unit's key replaced by that unit's address. A unit's key (its stamp)
/// names the checkout's folder in its commands and paths; its address does not, so two checkouts of the same
/// project at different paths share it. The key itself is not changed.
/// </summary>
public static class CacheAddress
{
    private const string Version = "wasipy-unit-address/1";

    public static string Of(IReadOnlyList<KeyComponent> components, string root, IReadOnlyDictionary<string, string> neededAddresses)
    {
        var text = new StringBuilder(Version).Append('\n');
        foreach (var (label, value) in components)
        {
            var relocated = label.StartsWith("needs ", StringComparison.Ordinal) && neededAddresses.TryGetValue(label["needs ".Length..], out var address)
                ? address
                : Relocation.ToToken(value, root);
            // A label may name the folder too ("fingerprint clang ... -ffile-prefix-map=/project/= --version").
            text.Append(Relocation.ToToken(label, root)).Append(':').Append(relocated.Length).Append(':').Append(relocated).Append('\n');
        }
        return ContentHash.OfString(text.ToString());
    }

    /// <summary>A unit that was skipped, or an optional one that failed, passes on the addresses of what it needs.</summary>
    public static string Marker(string what, IEnumerable<string> neededAddresses) =>
        ContentHash.OfString($"{Version}\n{what}:{string.Join(",", neededAddresses)}");
}
