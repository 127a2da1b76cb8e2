namespace Argus.Core;

/// <summary>
/// Which rule refused an operation, where a rule decided it. Carried by the <see cref="ArgusException"/> so that what
/// records and counts refusals (the audit, the abuse detector) never has to read the message.
/// </summary>
public enum RefusalReason
{
    /// <summary>No rule of access decided it (bad input, a missing thing, a state that does not allow it): the code says what.</summary>
    Unspecified = 0,

    /// <summary>The actor's roles do not grant the capability, or the account is disabled.</summary>
    Role,

    /// <summary>The actor's roles grant the capability, but the watchlist, site or camera is outside the actor's scope.</summary>
    Scope,
}

/// <summary>
/// An expected failure that a user can act on: bad input, missing models, misconfiguration.
/// <see cref="Code"/> is stable (documented, tested, later mapped to HTTP problem types); the message says what to do;
/// <see cref="Reason"/> says which access rule refused it, when one did.
/// </summary>
public class ArgusException : Exception
{
    /// <summary>A failure with a stable <paramref name="code"/> and a message that says what to do.</summary>
    public ArgusException(string code, string message, Exception? inner = null)
        : this(code, message, RefusalReason.Unspecified, inner)
    {
    }

    /// <summary>A refusal decided by the access rule <paramref name="reason"/>.</summary>
    public ArgusException(string code, string message, RefusalReason reason, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Reason = reason;
    }

    /// <summary>A generic failure (<c>argus.error</c>).</summary>
    public ArgusException()
        : this("argus.error", "Argus error.")
    {
    }

    /// <summary>A generic failure (<c>argus.error</c>) with a message.</summary>
    public ArgusException(string message)
        : this("argus.error", message)
    {
    }

    /// <summary>A generic failure (<c>argus.error</c>) with a message and its cause.</summary>
    public ArgusException(string message, Exception innerException)
        : this("argus.error", message, innerException)
    {
    }

    /// <summary>The stable code (<c>area.what</c>).</summary>
    public string Code { get; }

    /// <summary>The access rule that refused the operation; <see cref="RefusalReason.Unspecified"/> when none did.</summary>
    public RefusalReason Reason { get; }

    /// <summary><c>access.denied</c> because the actor's roles do not allow it (or the account is disabled).</summary>
    public static ArgusException RoleDenied(string message) => new("access.denied", message, RefusalReason.Role);

    /// <summary><c>access.denied</c> because the watchlist, site or camera is outside the actor's scope.</summary>
    public static ArgusException OutOfScope(string message) => new("access.denied", message, RefusalReason.Scope);
}
