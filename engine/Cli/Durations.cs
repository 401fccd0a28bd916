namespace Wasipy.Cli;

public static class Durations
{
    /// <summary>"4m31s" from a minute on, "12.3s" below.</summary>
    public static string Format(TimeSpan duration) =>
        duration.TotalMinutes >= 1 ? $"{(int)duration.TotalMinutes}m{duration.Seconds:00}s" : $"{duration.TotalSeconds:0.0}s";
}
