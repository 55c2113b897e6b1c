using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Moderation.Classifier;
using CommunityScale.Options;
using CommunityScale.Telemetry;

namespace CommunityScale.Posting;

/// <summary>
/// What every post meets before it is accepted, in chat and in the forum alike: membership, standing (ban, mute), consent
/// to the guidelines in force, and the community's automatic moderation (blocked terms, links, flood and duplicates, the
/// classifier, and the caller's slow mode). One per channel or thread activation: it keeps the memberships it looked up
/// (for <c>membershipCache</c>), and the community's policy (the silo's copy in <see cref="Communities.CommunityLookups"/>,
/// read again every <see cref="ChatOptions.PolicyRefreshInterval"/>; compiled again only when its version or the slow mode changed).
/// </summary>
public sealed class PostingGate(IGrainFactory grains, Communities.CommunityLookups lookups, string communityId, IMessageClassifier classifier, ChatOptions options, TimeSpan membershipCache)
{
    private readonly Dictionary<string, (MemberInfo Member, DateTimeOffset Until)> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);
    private ModerationPipeline? _pipeline;
    private ModerationPipeline? _contentPipeline;
    private long _pipelineVersion = -1;
    private int _pipelineSlowMode;
    private Task<ModerationPolicy>? _policyFetch;

    /// <summary>The community's moderation policy as last fetched.</summary>
    public ModerationPolicy Policy { get; private set; } = ModerationPolicy.Default;

    /// <summary>Called after each fetch of the policy (a channel refreshes what it derives from it at the same pace).</summary>
    public Func<ModerationPolicy, Task>? PolicyFetched { get; init; }

    /// <summary>The member, or <c>not_member</c>.</summary>
    public async Task<MemberInfo> RequireMember(string userId, DateTimeOffset now) =>
        await MemberOrNull(userId, now) ?? throw await Access.NonMemberRefusal.For(grains, communityId, $"Join community '{communityId}' first.");

    /// <summary>
    /// The member, or null for a signed-in visitor (who may read what everyone may view). Only members are remembered,
    /// and only when <paramref name="remember"/>: a read (joining a channel) must not leave a record that a send soon
    /// after would trust while it is older than a change made in between (say, consent to new guidelines).
    /// </summary>
    public async Task<MemberInfo?> MemberOrNull(string userId, DateTimeOffset now, bool remember = true)
    {
        if (_members.TryGetValue(userId, out var cached) && cached.Until > now)
        {
            return cached.Member;
        }

        if (await grains.Member(communityId, userId).Get() is not { } member)
        {
            return null;
        }

        if (remember)
        {
            Remember(member, now);
        }

        return member;
    }

    private void Remember(MemberInfo member, DateTimeOffset now)
    {
        if (membershipCache > TimeSpan.Zero)
        {
            if (_members.Count > 10_000)
            {
                _members.Clear();
                _leases.Clear();
            }

            _members[member.UserId] = (member, now + membershipCache);
        }
    }

    /// <summary>A member who may post now (<c>not_member</c>, <c>banned</c>, <c>muted</c> otherwise).</summary>
    public async Task<MemberInfo> RequireMayPost(string userId, DateTimeOffset now)
    {
        var member = await RequireMember(userId, now);
        PostingRules.RequireMayPost(member, now);
        return member;
    }

    /// <summary>Forgets a member's cached standing (an erased member leaves no trace here).</summary>
    public void Forget(string userId)
    {
        _members.Remove(userId);
        _leases.Remove(userId);
    }

    /// <summary>
    /// The member who is about to post, with a post left of the community-wide flood limit (<c>rate_limited</c>
    /// otherwise), taken from the member's grain in the same call that refreshes the membership. One post at a time, so
    /// the limit is exact however a member spreads over channels: a lease of several would be counted at the member
    /// grain when taken and strand what one channel did not use. Moderators and up are not limited and ask nothing
    /// while their record is cached.
    /// </summary>
    private async Task<MemberInfo> RequirePostingBudget(string userId, DateTimeOffset now)
    {
        var cached = _members.TryGetValue(userId, out var entry) && entry.Until > now ? entry.Member : null;
        if (cached is not null && (cached.Role >= MemberRole.Moderator || (_leases.TryGetValue(userId, out var held) && held.Posts > 0 && held.Until > now)))
        {
            return cached;
        }

        var budget = await grains.Member(communityId, userId).TakePostingBudget(1, options.CommunityRateLimitCount, options.CommunityRateLimitWindow);
        var member = budget.Member ?? throw await Access.NonMemberRefusal.For(grains, communityId, $"Join community '{communityId}' first.");
        Remember(member, now);
        if (member.Role >= MemberRole.Moderator)
        {
            return member;
        }

        if (budget.Granted <= 0)
        {
            throw new CommunityException(ErrorCodes.RateLimited,
                $"You are posting too fast across the community ({options.CommunityRateLimitCount} posts per {options.CommunityRateLimitWindow.TotalSeconds:0} s in all its channels and threads); wait {Math.Max(1, Math.Ceiling(budget.RetryAfter.TotalSeconds)):0} s.");
        }

        if (_leases.Count > 10_000)
        {
            foreach (var expired in _leases.Where(l => l.Value.Until <= now).Select(l => l.Key).ToList())
            {
                _leases.Remove(expired);
            }
        }

        _leases[userId] = new Lease(budget.Granted, now + options.CommunityRateLimitWindow);
        return member;
    }

    /// <summary>Posts leased from the community-wide flood limit, spent one per accepted post, valid until the window ends.</summary>
    private sealed class Lease(int posts, DateTimeOffset until)
    {
        public int Posts { get; set; } = posts;

        public DateTimeOffset Until => until;
    }

    /// <summary>
    /// Everything asynchronous a new post needs: the member and the compiled policy. The verdict itself
    /// (<see cref="PostingCheck.Judge"/>) is synchronous, so a caller can look for a concurrent retry in between.
    /// </summary>
    public async Task<PostingCheck> Prepare(string userId, DateTimeOffset now, int slowModeSeconds)
    {
        var member = await RequirePostingBudget(userId, now);
        return new PostingCheck(member, userId, now, await Pipeline(slowModeSeconds), Policy.GuidelinesVersion)
        {
            // Spent only when the post is accepted: a refused one costs nothing of the limit.
            Spent = () =>
            {
                if (_leases.TryGetValue(userId, out var lease))
                {
                    lease.Posts--;
                }
            },
        };
    }

    /// <summary>
    /// An edit: standing, consent and the content rules on the new text (flood, duplicates and slow mode are about
    /// sending, so an edit neither meets nor uses them up). Text a moderator would have to review is refused, not held:
    /// a moderator would approve an edit of a post that moved on.
    /// </summary>
    public async Task RequireMayEdit(string userId, string text, DateTimeOffset now, string what)
    {
        var member = await RequireMayPost(userId, now);
        await Pipeline(_pipelineSlowMode);
        PostingRules.RequireConsent(member, Policy.GuidelinesVersion);
        if (_contentPipeline!.Evaluate(PostingRules.InputFor(member, userId, text, now)) is { } verdict)
        {
            ChatMetrics.ModerationRefusals.Add(1, new KeyValuePair<string, object?>("step", verdict.Step));
            throw verdict.Hold
                ? new CommunityException(ErrorCodes.BlockedContent, $"This text needs a moderator's review ({verdict.Reason}); the {what} was not changed.")
                : new CommunityException(verdict.Code, verdict.Reason);
        }
    }

    private async Task<ModerationPipeline> Pipeline(int slowModeSeconds)
    {
        // The silo's copy decides when the policy is read again (each read is a new task); a second lifetime kept here
        // would let a change wait up to twice Chat:PolicyRefreshInterval.
        var fetch = lookups.Policy(communityId);
        if (_pipeline is null || !ReferenceEquals(fetch, _policyFetch))
        {
            Policy = await fetch;
            _policyFetch = fetch;
            if (PolicyFetched is { } fetched)
            {
                await fetched(Policy);
            }
        }

        if (_pipeline is null || Policy.Version != _pipelineVersion || _pipelineSlowMode != slowModeSeconds)
        {
            _pipeline = ModerationPipeline.Build(Policy, slowModeSeconds, options.RateLimitCount, options.RateLimitWindow, classifier).CarryMemoryFrom(_pipeline);
            if (_contentPipeline is null || Policy.Version != _pipelineVersion)
            {
                _contentPipeline = ModerationPipeline.BuildContentRules(Policy, classifier);
            }

            _pipelineVersion = Policy.Version;
            _pipelineSlowMode = slowModeSeconds;
        }

        return _pipeline;
    }
}

/// <summary>One post's way through the gate: judged once, then (if accepted) remembered by the flood and duplicate rules.</summary>
public sealed class PostingCheck(MemberInfo member, string userId, DateTimeOffset now, ModerationPipeline pipeline, int guidelinesVersion)
{
    private ModerationInput? _input;

    public MemberInfo Member => member;

    /// <summary>Called once the post is accepted: it uses one post of the community-wide flood limit.</summary>
    public Action? Spent { get; init; }

    /// <summary>
    /// Refuses with the first failing rule's code (standing, consent, then moderation; nothing changes); returns a verdict
    /// to hold the post for review, or null when it may be accepted.
    /// </summary>
    public Verdict? Judge(string text)
    {
        PostingRules.RequireMayPost(member, now);
        PostingRules.RequireConsent(member, guidelinesVersion);
        _input = PostingRules.InputFor(member, userId, text, now);
        if (pipeline.Evaluate(_input) is not { } verdict)
        {
            return null;
        }

        ChatMetrics.ModerationRefusals.Add(1, new KeyValuePair<string, object?>("step", verdict.Step));
        return verdict.Hold ? verdict : throw new CommunityException(verdict.Code, verdict.Reason);
    }

    /// <summary>The post was accepted: rate and duplicate rules count it.</summary>
    public void Accepted()
    {
        pipeline.Accepted(_input ?? throw new InvalidOperationException("Judge the post first."));
        Spent?.Invoke();
    }
}
