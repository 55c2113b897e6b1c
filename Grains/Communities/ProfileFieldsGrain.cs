using CommunityScale.Errors;
using CommunityScale.FollowUps;
using CommunityScale.Moderation;
using CommunityScale.Scheduling;
using CommunityScale.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CommunityScale.Communities;

[GenerateSerializer, Alias("cs.ProfileFieldsState")]
public sealed class ProfileFieldsState
{
    [Id(0)] public List<ProfileField> Fields { get; set; } = [];

    /// <summary>The audit entries of definitions, still owed.</summary>
    [Id(1)] public OutboxState Outbox { get; set; } = new();
}

/// <summary>
/// A community's profile fields: defined by admins (audited: the entry is stored with the definition in the grain's
/// <see cref="Outbox"/>), filled in by members, the vocabulary of segments.
/// </summary>
public sealed class ProfileFieldsGrain(
    [PersistentState("profile-fields", StorageNames.Main)] IPersistentState<ProfileFieldsState> state,
    IOptions<OutboxOptions> outboxOptions,
    ILogger<ProfileFieldsGrain> logger) : Grain, IProfileFieldsGrain, IRemindable
{
    private readonly StateWriter<ProfileFieldsState> _writer = new(state);
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

    private ProfileFieldsState S => _writer.State;

    public Task<IReadOnlyList<ProfileField>> Get() => Task.FromResult<IReadOnlyList<ProfileField>>(S.Fields);

    public async Task<IReadOnlyList<ProfileField>> Define(IReadOnlyList<ProfileField> fields, Actor caller)
    {
        await ModerationRoles.RequireAdmin(GrainFactory, CommunityId, caller, "Only admins and the owner define profile fields.");
        var valid = ProfileRules.RequireValidFields(fields);
        S.Fields = [.. valid];
        await _outbox.StoreAndWait(new AppendAudit(CommunityId, caller.UserId, "profile_fields", "fields",
            string.Join("; ", valid.Select(f => $"{f.Id}: {string.Join(", ", f.Values)}"))));
        return S.Fields;
    }

    public async Task<MemberInfo> SetMemberProfile(IReadOnlyDictionary<string, IReadOnlyList<string>> profile, Actor caller)
    {
        await PostingRules.RequireMember(GrainFactory, CommunityId, caller.UserId);
        return await GrainFactory.Member(CommunityId, caller.UserId).SetProfile(ProfileRules.RequireValidProfile(profile, S.Fields));
    }

    public Task RequireValid(Segment segment)
    {
        ProfileRules.RequireValidSegment(segment, S.Fields);
        return Task.CompletedTask;
    }
}

/// <summary>The checks of profile fields, members' values and segments (pure).</summary>
public static class ProfileRules
{
    public const int MaxFields = 20;
    public const int MaxValues = 100;

    public static IReadOnlyList<ProfileField> RequireValidFields(IReadOnlyList<ProfileField>? fields)
    {
        if (fields is null || fields.Count > MaxFields)
        {
            throw CommunityException.Invalid($"A community has at most {MaxFields} profile fields.");
        }

        var result = new List<ProfileField>();
        foreach (var field in fields)
        {
            var id = InputRules.RequireId(field?.Id, "field id");
            if (result.Exists(f => f.Id == id))
            {
                throw CommunityException.Invalid($"Field '{id}' is defined twice.");
            }

            var values = (field!.Values ?? []).Select(v => InputRules.RequireId(v, $"a value of '{id}'")).ToList();
            if (values.Count is 0 or > MaxValues || values.Distinct(StringComparer.Ordinal).Count() != values.Count)
            {
                throw CommunityException.Invalid($"Field '{id}' needs 1 to {MaxValues} distinct values.");
            }

            result.Add(new ProfileField(id, InputRules.RequireName(field.Label, "label"), values, field.Multiple));
        }

        return result;
    }

    public static IReadOnlyDictionary<string, IReadOnlyList<string>> RequireValidProfile(
        IReadOnlyDictionary<string, IReadOnlyList<string>>? profile, IReadOnlyList<ProfileField> fields)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (fieldId, chosen) in profile ?? new Dictionary<string, IReadOnlyList<string>>())
        {
            var field = fields.FirstOrDefault(f => f.Id == fieldId)
                ?? throw CommunityException.Invalid($"'{fieldId}' is not a profile field of this community.");
            var values = (chosen ?? []).Distinct(StringComparer.Ordinal).ToList();
            if (!field.Multiple && values.Count > 1)
            {
                throw CommunityException.Invalid($"'{fieldId}' takes one value.");
            }

            if (values.FirstOrDefault(v => !field.Values.Contains(v, StringComparer.Ordinal)) is { } unknown)
            {
                throw CommunityException.Invalid($"'{unknown}' is not a value of '{fieldId}'; the values are {string.Join(", ", field.Values)}.");
            }

            if (values.Count > 0)
            {
                result[fieldId] = values;
            }
        }

        return result;
    }

    public static void RequireValidSegment(Segment? segment, IReadOnlyList<ProfileField> fields)
    {
        foreach (var (fieldId, value) in segment?.Where ?? new Dictionary<string, string>())
        {
            var field = fields.FirstOrDefault(f => f.Id == fieldId)
                ?? throw CommunityException.Invalid($"The segment names '{fieldId}', which is not a profile field of this community.");
            if (!field.Values.Contains(value, StringComparer.Ordinal))
            {
                throw CommunityException.Invalid($"The segment's '{value}' is not a value of '{fieldId}'.");
            }
        }
    }
}
