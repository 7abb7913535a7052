package credentials

// FieldError says what is wrong with a secret: which secret, which field (empty
// for the secret as a whole) and why. It never holds a value from the secret.
type FieldError struct {
	// SecretID is the secret's name or ARN as configured.
	SecretID string
	// Field is the JSON field at fault ("private_key"), or empty.
	Field string
	// Reason says what is wrong, without repeating the value.
	Reason string
}

// Error reads "credentials: secret aos/audit-app: private_key: not a PEM block".
func (e *FieldError) Error() string {
	s := "credentials: secret " + e.SecretID + ": "
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Reason
}
