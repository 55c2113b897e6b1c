namespace CommunityScale.Errors;

/// <summary>
/// Grain storage could not be reached; the operation changed nothing and may be retried. Serializable, so that it
/// crosses from silo to gateway even when it surfaces while a grain activates, where it becomes <c>unavailable</c>.
/// It carries no inner exception on purpose: the storage SDK's exception types have no codec; the silo logs them.
/// </summary>
[GenerateSerializer, Alias("cs.StorageUnavailableException")]
public sealed class StorageUnavailableException(string message) : Exception(message);
