using System.Text;

namespace Wasipy.Caching;

/// <summary>
/// A step's cache key: the hash of everything that can change what the step produces — its rendered commands
/// and files, the recipe data it uses, the hashes of its input files and the key of the step before it.
/// </summary>
public sealed record CacheKey(string Value)
{
    public override string ToString() => Value;

    public sealed class Builder
    {
        private readonly StringBuilder _text = new();

        public Builder Add(string label, string? value)
        {
            // Length-prefixed so that ("ab","c") and ("a","bc") differ.
            _text.Append(label).Append(':').Append(value?.Length ?? -1).Append(':').Append(value).Append('\n');
            return this;
        }

        public Builder AddAll(string label, IEnumerable<string> values)
        {
            var i = 0;
            foreach (var value in values) Add($"{label}[{i++}]", value);
            return Add($"{label}.count", i.ToString());
        }

        public CacheKey Build() => new(ContentHash.OfString(_text.ToString()));
    }
}
