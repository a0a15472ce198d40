package shop

// AdminGroup is the Cognito group whose members manage the catalog.
const AdminGroup = "admin"

// Caller is the identity a request acts for; the zero Caller is anonymous.
type Caller struct {
	ID     string
	Groups []string
}

// SignedIn reports whether the request carries an identity.
func (c Caller) SignedIn() bool { return c.ID != "" }

// InGroup reports whether the caller belongs to group g.
func (c Caller) InGroup(g string) bool {
	for _, x := range c.Groups {
		if x == g {
			return true
		}
	}
	return false
}
