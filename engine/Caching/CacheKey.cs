using System.Text;

namespace Wasipy.Caching;

/// <summary>One labelled part of a cache key ("commands[0]", "inputs[2]", "needs:configure", ...).</summary>
public sealed record KeyComponent(string Label, string Value);

/// <summary>
/// A build unit's cache key: the hash of everything that can change what the unit produces, with the list of
/// components it was made from (the manifest), so that a changed key can say what changed.
/// </summary>
public sealed record CacheKey(string Value, IReadOnlyList<KeyComponent> Components)
{
    public override string ToString() => Value;

    /// <summary>Two keys are equal when their hashes are; the manifest only explains a hash.</summary>
    public bool Equals(CacheKey? other) => other is not null && other.Value == Value;
    public override int GetHashCode() => Value.GetHashCode();


    public sealed class Builder
    {
        private readonly List<KeyComponent> _components = [];

        public Builder Add(string label, string? value)
        {
            _components.Add(new KeyComponent(label, value ?? ""));
            return this;
        }

        public Builder AddAll(string label, IEnumerable<string> values)
        {
            var i = 0;
            foreach (var value in values) Add($"{label}[{i++}]", value);
            return Add($"{label}.count", i.ToString());
        }

        public CacheKey Build()
        {
            // Length-prefixed so that ("ab","c") and ("a","bc") differ.
            var text = new StringBuilder();
            foreach (var (label, value) in _components)
                text.Append(label).Append(':').Append(value.Length).Append(':').Append(value).Append('\n');
            return new CacheKey(ContentHash.OfString(text.ToString()), _components.ToList());
        }
    }
}
