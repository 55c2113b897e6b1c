using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CommunityScale.Integrations;

/// <summary>The JSON of deliveries, and of the domain records they carry (camelCase, enums as names, like the REST API).</summary>
public static class WebhookPayload
{
    private static readonly JsonSerializerOptions DataOptions = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary><c>{ id, kind, communityId, occurredAt, data }</c>.</summary>
    public static string Json(WebhookEvent e)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", e.Id);
            writer.WriteString("kind", e.Kind);
            writer.WriteString("communityId", e.CommunityId);
            writer.WriteString("occurredAt", e.OccurredAt);
            writer.WritePropertyName("data");
            writer.WriteRawValue(e.Data);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string Data<T>(T value) => JsonSerializer.Serialize(value, DataOptions);
}
