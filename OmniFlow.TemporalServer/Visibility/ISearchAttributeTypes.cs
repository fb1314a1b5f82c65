using Temporalio.Api.Enums.V1;

namespace OmniFlow.TemporalServer.Visibility;

public interface ISearchAttributeTypes
{
    bool TryGetType(string name, out IndexedValueType type);
}
