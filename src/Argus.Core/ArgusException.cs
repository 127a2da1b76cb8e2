namespace Argus.Core;

/// <summary>
/// An expected failure that a user can act on: bad input, missing models, misconfiguration.
/// <see cref="Code"/> is stable (documented, tested, later mapped to HTTP problem types); the message says what to do.
/// </summary>
public class ArgusException : Exception
{
    public ArgusException(string code, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
    }

    public ArgusException()
        : this("argus.error", "Argus error.")
    {
    }

    public ArgusException(string message)
        : this("argus.error", message)
    {
    }

    public ArgusException(string message, Exception innerException)
        : this("argus.error", message, innerException)
    {
    }

    public string Code { get; }
}
