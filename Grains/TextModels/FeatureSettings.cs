using System.Globalization;

namespace CommunityScale.TextModels;

/// <summary>
/// How a model's texts become features; travels in the model file's settings (<c>features.*</c>), so the silo extracts
/// what the trainer did. The defaults are what the first models shipped with: a model file without these settings
/// (the sentiment model) keeps its features.
/// </summary>
public sealed record FeatureSettings(int Bits, int MinCharGram = TextFeatures.MinCharGram, int MaxCharGram = TextFeatures.MaxCharGram, bool LinkHosts = false, bool Markers = false, bool SpamCues = false, bool LinkKinds = false)
{
    public static FeatureSettings From(int bits, IReadOnlyDictionary<string, double> settings) => new(
        bits,
        (int)settings.GetValueOrDefault("features.chars.min", TextFeatures.MinCharGram),
        (int)settings.GetValueOrDefault("features.chars.max", TextFeatures.MaxCharGram),
        settings.GetValueOrDefault("features.link_hosts") != 0,
        settings.GetValueOrDefault("features.markers") != 0,
        settings.GetValueOrDefault("features.spam_cues") != 0,
        settings.GetValueOrDefault("features.link_kinds") != 0);

    /// <summary>The settings that differ from the defaults, for the model file.</summary>
    public IEnumerable<KeyValuePair<string, double>> ToSettings()
    {
        if (MinCharGram != TextFeatures.MinCharGram)
        {
            yield return new("features.chars.min", MinCharGram);
        }

        if (MaxCharGram != TextFeatures.MaxCharGram)
        {
            yield return new("features.chars.max", MaxCharGram);
        }

        if (LinkHosts)
        {
            yield return new("features.link_hosts", 1);
        }

        if (Markers)
        {
            yield return new("features.markers", 1);
        }

        if (SpamCues)
        {
            yield return new("features.spam_cues", 1);
        }

        if (LinkKinds)
        {
            yield return new("features.link_kinds", 1);
        }
    }
}
