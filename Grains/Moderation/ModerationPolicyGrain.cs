using System.Text.RegularExpressions;
using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Options;
using CommunityScale.Privacy;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Moderation;

[GenerateSerializer, Alias("cs.ModerationPolicyState")]
public sealed class ModerationPolicyState
{
    [Id(0)] public ModerationPolicy? Policy { get; set; }

    [Id(1)] public Privacy.Guidelines? Guidelines { get; set; }

    /// <summary>The audit entries of changes, still owed.</summary>
    [Id(2)] public OutboxState Outbox { get; set; } = new();
}

/// <summary>
/// A community's moderation policy: validated on change, versioned so channels know when to recompile it. The
/// guidelines members consent to live here too: their version travels in the policy, so every channel learns of a new
/// version with its next policy refresh and asks members to accept it before they post. Each change's audit entry is
/// stored with it in the grain's <see cref="Outbox"/>.
/// </summary>
public sealed partial class ModerationPolicyGrain(
    [PersistentState("moderation-policy", StorageNames.Main)] IPersistentState<ModerationPolicyState> state,
    [FromKeyedServices(DomainClock.Key)] TimeProvider clock,
    IOptions<OutboxOptions> outboxOptions,
    Communities.CommunityLookups lookups,
    ILogger<ModerationPolicyGrain> logger) : Grain, IModerationPolicyGrain, IRemindable
{
    private readonly StateWriter<ModerationPolicyState> _writer = new(state);
    private Outbox _outbox = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _outbox = new Outbox(this, GrainFactory, () => _writer.State.Outbox, _writer.Write, outboxOptions.Value, logger);
        _outbox.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => _outbox.Deactivating(cancellationToken);

    public Task ReceiveReminder(string reminderName, TickStatus status) => reminderName == Outbox.ReminderName ? _outbox.Tick() : Task.CompletedTask;

    private string CommunityId => this.GetPrimaryKeyString();

    private ModerationPolicyState S => _writer.State;

    private ModerationPolicy Current => S.Policy?.WithDefaults() ?? ModerationPolicy.Default;

    public Task<ModerationPolicy> Get() => Task.FromResult(Current);

    public async Task<ModerationPolicy> Read(Actor caller)
    {
        await RequireModerator(caller);
        return Current;
    }

    public async Task<ModerationPolicy> Update(ModerationPolicyUpdate update, Actor caller)
    {
        await RequireModerator(caller);
        var current = Current;
        var next = new ModerationPolicy(
            Terms(update.BlockedTerms, "blockedTerms") ?? current.BlockedTerms,
            Terms(update.AllowedWords, "allowedWords") ?? current.AllowedWords,
            DomainList(update.AllowedLinkDomains, "allowedLinkDomains") ?? current.AllowedLinkDomains,
            DomainList(update.DeniedLinkDomains, "deniedLinkDomains") ?? current.DeniedLinkDomains,
            InRange(update.MinTrustLevelForLinks, 0, 4, "minTrustLevelForLinks") ?? current.MinTrustLevelForLinks,
            InRange(update.MaxMentions, 0, 100, "maxMentions") ?? current.MaxMentions,
            InRange(update.DuplicateWindowSeconds, 0, 3600, "duplicateWindowSeconds") ?? current.DuplicateWindowSeconds,
            current.Version + 1,
            update.ClassifierThreshold is null or (>= 0 and <= 1) ? update.ClassifierThreshold ?? current.ClassifierThreshold
                : throw CommunityException.Invalid("classifierThreshold must be between 0 (off) and 1."),
            InRange(update.AutoSlowModeThreshold, 0, 10_000, "autoSlowModeThreshold") ?? current.AutoSlowModeThreshold,
            InRange(update.AutoSlowModeSeconds, 1, 3600, "autoSlowModeSeconds") ?? current.AutoSlowModeSeconds,
            update.HoldInsteadOfRefuse ?? current.HoldInsteadOfRefuse,
            InRange(update.ReportsToHide, 1, 100, "reportsToHide") ?? current.ReportsToHide,
            Ladder(update.StrikeLadder) ?? current.StrikeLadder,
            TrustLevels(update.TrustLevels) ?? current.TrustLevels,
            current.GuidelinesVersion);
        S.Policy = next;
        await _outbox.StoreAndWait(new AppendAudit(CommunityId, caller.UserId, "policy", $"version {next.Version}",
            $"{next.BlockedTerms.Count} blocked terms, {next.AllowedWords.Count} allowed words, links: trust {next.MinTrustLevelForLinks}, " +
            $"{next.DeniedLinkDomains.Count} denied domains; mentions {next.MaxMentions}; classifier {next.ClassifierThreshold:0.00}"));
        lookups.Forget(CommunityId, Communities.CommunityLookups.Setting.Policy);
        return next;
    }

    public Task<Guidelines> GetGuidelines() => Task.FromResult(S.Guidelines ?? Guidelines.None);

    public async Task<Guidelines> PublishGuidelines(string text, Actor caller)
    {
        var publisher = await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only the community's admins and owner publish its guidelines.");
        if (string.IsNullOrWhiteSpace(text) || text.Length > Guidelines.MaxTextLength)
        {
            throw CommunityException.Invalid($"The guidelines need 1 to {Guidelines.MaxTextLength} characters.");
        }

        var current = Current;
        var guidelines = new Guidelines((S.Guidelines?.Version ?? 0) + 1, text.Trim(), clock.GetUtcNow());
        S.Guidelines = guidelines;
        S.Policy = current with { Version = current.Version + 1, GuidelinesVersion = guidelines.Version };
        var audit = _outbox.Add(new AppendAudit(CommunityId, caller.UserId, "guidelines", $"version {guidelines.Version}",
            $"{guidelines.Text.Length} characters; members accept them again before they post"));
        await _outbox.Store();
        lookups.Forget(CommunityId, Communities.CommunityLookups.Setting.Policy);
        // Whoever publishes a version has read it: they are not asked to accept their own text. Awaited, not a follow-up:
        // the publisher posts next and must not be stopped by their own guidelines.
        await GrainFactory.Member(CommunityId, caller.UserId).Consent(new ConsentGiven(guidelines.Version, publisher.MarketingConsent), guidelines.Version);
        await _outbox.Settled(audit);
        return guidelines;
    }

    private Task RequireModerator(Actor caller) => ModerationRoles.RequireModerator(GrainFactory, CommunityId, caller);

    private static IReadOnlyList<string>? Terms(IReadOnlyList<string>? terms, string field)
    {
        if (terms is null)
        {
            return null;
        }

        if (terms.Count > ModerationPolicy.MaxTerms)
        {
            throw CommunityException.Invalid($"{field} has {terms.Count} entries; at most {ModerationPolicy.MaxTerms} are allowed.");
        }

        foreach (var term in terms)
        {
            if (string.IsNullOrWhiteSpace(term) || term.Length > ModerationPolicy.MaxTermLength || TextNormalizer.Normalize(term.Trim('*')).Length == 0)
            {
                throw CommunityException.Invalid($"Each entry of {field} must have 1 to {ModerationPolicy.MaxTermLength} characters with at least one letter or digit.");
            }
        }

        return [.. terms.Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)];
    }

    private static IReadOnlyList<string>? DomainList(IReadOnlyList<string>? domains, string field)
    {
        if (domains is null)
        {
            return null;
        }

        if (domains.Count > ModerationPolicy.MaxDomains)
        {
            throw CommunityException.Invalid($"{field} has {domains.Count} entries; at most {ModerationPolicy.MaxDomains} are allowed.");
        }

        foreach (var domain in domains)
        {
            if (domain is null || !Domain().IsMatch(domain))
            {
                throw CommunityException.Invalid($"'{domain}' in {field} is not a domain name.");
            }
        }

        return [.. domains.Select(d => d.ToLowerInvariant()).Distinct()];
    }

    private static IReadOnlyList<StrikeStep>? Ladder(IReadOnlyList<StrikeStep>? steps)
    {
        if (steps is null)
        {
            return null;
        }

        if (steps.Count > ModerationPolicy.MaxLadderSteps)
        {
            throw CommunityException.Invalid($"strikeLadder has {steps.Count} steps; at most {ModerationPolicy.MaxLadderSteps} are allowed.");
        }

        var previous = 0;
        foreach (var step in steps)
        {
            if (step is null || step.Warnings <= previous || step.Warnings > 100)
            {
                throw CommunityException.Invalid("strikeLadder steps need warnings between 1 and 100, strictly rising.");
            }

            if (!step.Ban && step.MuteMinutes is < 1 or > 365 * 24 * 60)
            {
                throw CommunityException.Invalid("A strikeLadder step either bans or mutes for 1 minute to 365 days (muteMinutes).");
            }

            previous = step.Warnings;
        }

        return [.. steps];
    }

    private static IReadOnlyList<TrustThreshold>? TrustLevels(IReadOnlyList<TrustThreshold>? levels)
    {
        if (levels is null)
        {
            return null;
        }

        var previous = new TrustThreshold(0, 0, 0);
        foreach (var level in levels)
        {
            if (level is null || level.Level != previous.Level + 1 || level.Level > 4
                || level.DaysActive < previous.DaysActive || level.AcceptedMessages < previous.AcceptedMessages || level.DaysActive > 3650 || level.AcceptedMessages > 10_000_000)
            {
                throw CommunityException.Invalid("trustLevels list levels 1, 2, … (at most 4) in order, each needing at least the days and messages of the one before.");
            }

            previous = level;
        }

        return [.. levels];
    }

    private static int? InRange(int? value, int min, int max, string field) =>
        value is null || (value >= min && value <= max) ? value : throw CommunityException.Invalid($"{field} must be between {min} and {max}.");

    [GeneratedRegex("^(?=.{1,253}$)([a-zA-Z0-9-]{1,63}\\.)+[a-zA-Z]{2,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Domain();
}
