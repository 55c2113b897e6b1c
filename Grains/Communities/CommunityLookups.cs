using CommunityScale.Campaigns;
using CommunityScale.Gamification;
using CommunityScale.Integrations;
using CommunityScale.Moderation;
using CommunityScale.Options;
using Microsoft.Extensions.Options;

namespace CommunityScale.Communities;

/// <summary>
/// A community's settings that every message reads (its moderation policy, the webhook kinds some endpoint wants, its
/// points rules, challenges and campaigns) as this silo last read them, shared by all its channels, threads and points
/// grains. Each channel and each member's points grain used to ask for itself every few seconds: with many quiet
/// channels that was 2.7 of the 16.5 grain calls a message cost (docs/performance.md); now it is one call per community,
/// setting and silo per lifetime. The settings grain forgets its entry here after storing a change, so a change is
/// seen at once on the silo it was made on, and within the lifetime on the others. Callers asking while a lookup is
/// under way share it; a failed lookup is not kept.
/// </summary>
public sealed class CommunityLookups(IGrainFactory grains, IOptions<ChatOptions> options)
{
    /// <summary>How long points rules, challenges and campaigns are trusted (the policy follows <see cref="ChatOptions.PolicyRefreshInterval"/>).</summary>
    public static readonly TimeSpan AwardSettingsLifetime = TimeSpan.FromSeconds(5);

    private const int MaxEntries = 50_000;
    private readonly Dictionary<(string Community, Setting Setting), Entry> _entries = [];

    public enum Setting
    {
        Policy,
        WantedWebhooks,
        PointsRules,
        Challenges,
        Campaigns,
    }

    public Task<ModerationPolicy> Policy(string communityId) =>
        Get(communityId, Setting.Policy, options.Value.PolicyRefreshInterval, c => grains.GetGrain<IModerationPolicyGrain>(c).Get());

    /// <summary>Events nobody takes are not recorded (nor is an outbox's reminder armed for them).</summary>
    public Task<IReadOnlyCollection<string>> WantedWebhooks(string communityId) =>
        Get(communityId, Setting.WantedWebhooks, options.Value.PolicyRefreshInterval,
            async c => (IReadOnlyCollection<string>)new HashSet<string>(await grains.GetGrain<IWebhookRegistryGrain>(c).GetWantedKinds(), StringComparer.Ordinal));

    public Task<PointsRules> PointsRules(string communityId) =>
        Get(communityId, Setting.PointsRules, AwardSettingsLifetime, c => grains.GetGrain<IPointsRulesGrain>(c).Get());

    public Task<IReadOnlyList<Challenge>> Challenges(string communityId) =>
        Get(communityId, Setting.Challenges, AwardSettingsLifetime, c => grains.GetGrain<IChallengesGrain>(c).List());

    public Task<IReadOnlyList<Campaign>> Campaigns(string communityId) =>
        Get(communityId, Setting.Campaigns, AwardSettingsLifetime, c => grains.GetGrain<ICampaignDirectoryGrain>(c).List());

    /// <summary>The next lookup of this setting asks its grain again (called by that grain after it stored a change).</summary>
    public void Forget(string communityId, Setting setting)
    {
        lock (_entries)
        {
            _entries.Remove((communityId, setting));
        }
    }

    private Task<T> Get<T>(string communityId, Setting setting, TimeSpan lifetime, Func<string, Task<T>> load)
    {
        var key = (communityId, setting);
        lock (_entries)
        {
            // A fresh value, or a lookup still under way: the stored task answers without a call (or allocation).
            if (_entries.TryGetValue(key, out var found) && (!found.Value.IsCompleted || Environment.TickCount64 < found.Until))
            {
                return (Task<T>)found.Value;
            }

            if (_entries.Count >= MaxEntries)
            {
                _entries.Clear();
            }

            var entry = new Entry();
            var loading = Load(key, entry, lifetime, load);
            entry.Value = loading;
            if (!loading.IsCompleted || loading.IsCompletedSuccessfully)
            {
                _entries[key] = entry;
            }

            return loading;
        }
    }

    private async Task<T> Load<T>((string, Setting) key, Entry entry, TimeSpan lifetime, Func<string, Task<T>> load)
    {
        try
        {
            var value = await load(key.Item1);
            entry.Until = Environment.TickCount64 + (long)lifetime.TotalMilliseconds;
            return value;
        }
        catch
        {
            lock (_entries)
            {
                if (_entries.TryGetValue(key, out var current) && ReferenceEquals(current, entry))
                {
                    _entries.Remove(key);
                }
            }

            throw;
        }
    }

    private sealed class Entry
    {
        public Task Value { get; set; } = Task.CompletedTask;

        // Read under the dictionary's lock, written once by the lookup before its task completes.
        public long Until { get; set; }
    }
}
