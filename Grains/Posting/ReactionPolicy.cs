using CommunityScale.Errors;
using CommunityScale.Threads;

namespace CommunityScale.Posting;

/// <summary>
/// Who may react with what, in chat and in the forum alike: the community's reaction set (its forum settings, asked for
/// at most every 30 s) and a per-member rate of 30 reactions in 10 s within one channel or thread.
/// </summary>
public sealed class ReactionPolicy(IGrainFactory grains, string communityId)
{
    private static readonly TimeSpan SettingsRefresh = TimeSpan.FromSeconds(30);
    private readonly SlidingWindowRateLimiter _limiter = new(30, TimeSpan.FromSeconds(10));
    private ForumSettings _settings = ForumSettings.Default;
    private DateTimeOffset _settingsUntil;

    /// <summary>Settings the caller already holds fresh (a thread is created with them), so the first reactions need not ask.</summary>
    public void Seed(ForumSettings settings, DateTimeOffset now) => (_settings, _settingsUntil) = (settings, now + SettingsRefresh);

    /// <summary>Refuses an emoji outside the community's set (<c>invalid</c>).</summary>
    public async Task RequireAllowed(string? emoji, DateTimeOffset now)
    {
        if (now >= _settingsUntil)
        {
            Seed(await grains.GetGrain<IThreadDirectoryGrain>(communityId).GetSettings(), now);
        }

        if (emoji is null || !_settings.Reactions.Contains(emoji, StringComparer.Ordinal))
        {
            throw CommunityException.Invalid($"Unknown reaction; this community allows {string.Join(", ", _settings.Reactions)}.");
        }
    }

    /// <summary>Counts a reaction that changes something; <c>rate_limited</c> past the member's rate.</summary>
    public void RequireRate(string userId, DateTimeOffset now)
    {
        if (!_limiter.TryAcquire(userId, now, out var retryAfter))
        {
            throw new CommunityException(ErrorCodes.RateLimited, $"Too many reactions; try again in {Math.Ceiling(retryAfter.TotalSeconds):0} s.");
        }
    }
}
