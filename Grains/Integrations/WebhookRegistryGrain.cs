using CommunityScale.Communities;
using CommunityScale.Errors;
using CommunityScale.Moderation;
using CommunityScale.Options;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.Options;

namespace CommunityScale.Integrations;

[GenerateSerializer, Alias("cs.WebhookRegistryState")]
public sealed class WebhookRegistryState
{
    /// <summary>Endpoint id → the event kinds it wants (the endpoints hold the rest).</summary>
    [Id(0)] public Dictionary<string, List<string>> Endpoints { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Endpoint id → who registered it: a channel's events reach an endpoint only if its creator may view the channel.</summary>
    [Id(1)] public Dictionary<string, string> Creators { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A community's webhooks: admins manage them here; raised events fan out to the endpoints that want them.</summary>
public sealed class WebhookRegistryGrain(
    [PersistentState("webhooks", StorageNames.Main)] IPersistentState<WebhookRegistryState> state,
    IOptions<WebhookOptions> options,
    Access.AccessRulesCache accessRules,
    Communities.CommunityLookups lookups) : Grain, IWebhookRegistryGrain
{
    private readonly StateWriter<WebhookRegistryState> _writer = new(state);

    // Creators' memberships, looked up at most every few seconds: a hot channel hands events over every second.
    private readonly Dictionary<string, Remembered<MemberInfo?>> _creators = new(StringComparer.Ordinal);

    public const int MaxEndpoints = 20;

    private string CommunityId => this.GetPrimaryKeyString();

    public async Task<WebhookSecret> Register(string url, IReadOnlyList<string> events, Actor caller)
    {
        var target = WebhookTargets.RequireUrl(url, options.Value.AllowLoopback);
        var kinds = (events ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (kinds.Count == 0 || kinds.Any(k => !WebhookEventKinds.All.Contains(k, StringComparer.Ordinal)))
        {
            throw CommunityException.Invalid($"events must name 1 or more of: {string.Join(", ", WebhookEventKinds.All)}.");
        }

        await RequireAdmin(caller);
        if (_writer.State.Endpoints.Count >= MaxEndpoints)
        {
            throw CommunityException.Invalid($"A community has at most {MaxEndpoints} webhook endpoints.");
        }

        var id = Guid.NewGuid().ToString("n");
        var created = await Endpoint(id).Create(target.AbsoluteUri, kinds, caller.UserId);
        _writer.State.Endpoints[id] = kinds;
        _writer.State.Creators[id] = caller.UserId;
        await _writer.Write();
        lookups.Forget(CommunityId, Communities.CommunityLookups.Setting.WantedWebhooks);
        return created;
    }

    public async Task<IReadOnlyList<WebhookEvent>> CollectMember(string userId)
    {
        var events = new List<WebhookEvent>();
        foreach (var id in _writer.State.Endpoints.Keys.ToList())
        {
            events.AddRange(await Endpoint(id).CollectMember(userId));
        }

        // An event raised once is queued at every endpoint that wants its kind.
        return [.. events.DistinctBy(e => e.Id).OrderBy(e => e.OccurredAt)];
    }

    public async Task ForgetMember(string userId)
    {
        foreach (var id in _writer.State.Endpoints.Keys.ToList())
        {
            await Endpoint(id).ForgetMember(userId);
        }
    }

    public async Task<IReadOnlyList<WebhookEndpointInfo>> List(Actor caller)
    {
        await RequireAdmin(caller);
        var infos = await Task.WhenAll(_writer.State.Endpoints.Keys.Select(id => Endpoint(id).Get()));
        return [.. infos.OfType<WebhookEndpointInfo>().OrderBy(e => e.CreatedAt)];
    }

    public async Task Remove(string endpointId, Actor caller)
    {
        await RequireAdmin(caller);
        RequireKnown(endpointId);
        await Endpoint(endpointId).Delete();
        _writer.State.Endpoints.Remove(endpointId);
        _writer.State.Creators.Remove(endpointId);
        await _writer.Write();
        lookups.Forget(CommunityId, Communities.CommunityLookups.Setting.WantedWebhooks);
    }

    public async Task<WebhookSecret> RotateSecret(string endpointId, Actor caller)
    {
        await RequireAdmin(caller);
        return await Endpoint(RequireKnown(endpointId)).RotateSecret();
    }

    public async Task<WebhookEndpointInfo> SetEnabled(string endpointId, bool enabled, Actor caller)
    {
        await RequireAdmin(caller);
        return await Endpoint(RequireKnown(endpointId)).SetEnabled(enabled);
    }

    public async Task<IReadOnlyList<DeadLetter>> GetDeadLetters(string endpointId, Actor caller)
    {
        await RequireAdmin(caller);
        return await Endpoint(RequireKnown(endpointId)).GetDeadLetters();
    }

    public async Task<int> Replay(string endpointId, string? eventId, Actor caller)
    {
        await RequireAdmin(caller);
        return await Endpoint(RequireKnown(endpointId)).Replay(eventId);
    }

    /// <summary>
    /// Hands each endpoint what it wants, and waits for the hand-over (not the delivery): this grain takes one raise at a
    /// time, so every endpoint queues events in the order they were raised here.
    /// </summary>
    public Task Raise(IReadOnlyList<WebhookEvent> events) => Hand(events);

    public async Task Hand(IReadOnlyList<WebhookEvent> events)
    {
        var handOvers = new List<Task>();
        var rules = events.Any(e => e.ChannelId is not null || e.CategoryId is not null) ? await accessRules.Get(CommunityId) : null;
        foreach (var (id, kinds) in _writer.State.Endpoints.ToList())
        {
            var wanted = events.Where(e => kinds.Contains(e.Kind, StringComparer.Ordinal)).ToList();
            if (rules is not null && _writer.State.Creators.TryGetValue(id, out var creator))
            {
                // What its creator may not view never reaches an endpoint (a role with manage_webhooks need not see every channel or category).
                var member = await Creator(creator);
                wanted.RemoveAll(e => (e.ChannelId is { } channel && !Access.PermissionResolver.InChannel(rules, member, channel).HasFlag(Access.Permissions.View))
                    || (e.CategoryId is { } category && !Access.PermissionResolver.InCategory(rules, member, category).HasFlag(Access.Permissions.View)));
            }

            if (wanted.Count > 0)
            {
                handOvers.Add(Endpoint(id).Enqueue(wanted));
            }
        }

        await Task.WhenAll(handOvers);
    }

    public Task<IReadOnlyList<string>> GetWantedKinds() =>
        Task.FromResult<IReadOnlyList<string>>([.. _writer.State.Endpoints.Values.SelectMany(k => k).Distinct(StringComparer.Ordinal)]);

    private Task<MemberInfo?> Creator(string userId)
    {
        if (!_creators.TryGetValue(userId, out var remembered))
        {
            _creators[userId] = remembered = new Remembered<MemberInfo?>(TimeSpan.FromSeconds(2));
        }

        return remembered.Get(() => GrainFactory.Member(CommunityId, userId).Get());
    }

    private string RequireKnown(string endpointId) =>
        endpointId is not null && _writer.State.Endpoints.ContainsKey(endpointId) ? endpointId : throw CommunityException.NotFound("Webhook endpoint");

    private Task RequireAdmin(Actor caller) =>
        ModerationRoles.Require(GrainFactory, CommunityId, caller, Access.Permissions.ManageWebhooks, "Managing webhooks needs the manage_webhooks permission (admins and the owner hold it by default).");

    private IWebhookEndpointGrain Endpoint(string id) => GrainFactory.WebhookEndpoint(new WebhookEndpointKey(CommunityId, id));
}
