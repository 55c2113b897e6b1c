using CommunityScale.Options;
using Microsoft.Extensions.Options;

namespace CommunityScale.Access;

/// <summary>
/// A community's access rules as this silo last read them, shared by every channel and thread here: a permission check
/// costs no grain call per message, one per community and silo per <see cref="ChatOptions.AccessRulesCacheDuration"/>
/// at most. Concurrent callers share one lookup; a caller that learned of a newer version (a gateway re-checking its
/// connections after a change) asks for at least that version and gets a fresh read.
/// </summary>
public sealed class AccessRulesCache(IGrainFactory grains, IOptions<ChatOptions> options)
{
    private const int MaxCommunities = 10_000;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<AccessRules> Get(string communityId, long atLeastVersion = 0)
    {
        Task<AccessRules> loading;
        lock (_entries)
        {
            _entries.TryGetValue(communityId, out var entry);
            if (entry?.Rules is { } rules && Environment.TickCount64 < entry.Until && rules.Version >= atLeastVersion)
            {
                return rules;
            }

            if (entry?.Loading is { IsCompleted: false } inFlight && atLeastVersion == 0)
            {
                loading = inFlight;
            }
            else
            {
                if (_entries.Count >= MaxCommunities)
                {
                    _entries.Clear();
                }

                loading = grains.GetGrain<ICommunityAccessGrain>(communityId).GetRules();
                _entries[communityId] = (entry ?? new Entry()) with { Loading = loading };
            }
        }

        var loaded = await loading;
        lock (_entries)
        {
            if (!_entries.TryGetValue(communityId, out var entry) || entry.Rules is null || entry.Rules.Version <= loaded.Version)
            {
                _entries[communityId] = new Entry { Rules = loaded, Until = Environment.TickCount64 + (long)options.Value.AccessRulesCacheDuration.TotalMilliseconds };
            }
        }

        return loaded;
    }

    private sealed record Entry
    {
        public AccessRules? Rules { get; init; }

        public long Until { get; init; }

        public Task<AccessRules>? Loading { get; init; }
    }
}
