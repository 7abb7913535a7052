package localavepoint

// The vocabulary of generated records. Product names are the productTypes
// values AvePoint documents; the activities follow its user activity report
// (sign-ins, app and user management, jobs, policies, requests).

// ProductTypes are the productTypes values the audit API accepts.
var ProductTypes = []string{
	"Office365Management", "Office365Backup", "GovernanceAutomation", "Portal",
	"PolicyEnforcer", "CPManagement", "SMP", "VDR", "AvePointRecords",
	"GsuiteBackup", "CRMBackup",
}

// GeoLocations are the data-center codes records carry in geoLocation.
var GeoLocations = []string{
	"NAM", "NAM", "NAM", "NAM", "EUR", "EUR", "EUR", "APC", "AUS", "CAN",
	"GBR", "JPN", "FRA", "DEU", "CHE", "KOR", "ARE", "ZAF", "IND",
}

// activity is one kind of audited action.
type activity struct {
	product, module, functionality, controller string
	actionName, action, operation, objectType  string
	objects                                    []string
	changes                                    [][2]string // previous, current; nil: no values
}

var activities = []activity{
	{"Portal", "Common", "Sign In", "Account", "Sign In", "Sign in", "Login", "User",
		[]string{"AvePoint Online Services"}, nil},
	{"Portal", "Common", "Sign In", "Account", "Session Timeout", "Session timeout", "Logout", "User",
		[]string{"AvePoint Online Services"}, nil},
	{"Portal", "App Management", "App registrations", "AppRegistration", "Create", "Create app registration", "Create", "App",
		[]string{"SIEM export", "Audit collector (prod)", "Power BI connector", "Zoë's test app"}, nil},
	{"Portal", "App Management", "App registrations", "AppRegistration", "Updated", "Update app permissions", "Update", "App",
		[]string{"SIEM export", "Audit collector (prod)"}, [][2]string{{"audit.read.all", "audit.read.all platformbackup.readwrite.all"}, {"Certificate: 3F2A…91", "Certificate: 77C0…1E"}}},
	{"Portal", "User Management", "Users", "UserManagement", "Add", "Add user", "Create", "User",
		[]string{"megan.bowen@contoso.com", "łukasz.nowak@fabrikam.pl", "田中 太郎"}, nil},
	{"Portal", "User Management", "Users", "UserManagement", "Deactivate", "Deactivate user", "Update", "User",
		[]string{"alex.wilber@contoso.com", "diego.siciliani@contoso.com"}, [][2]string{{"Active", "Inactive"}}},
	{"Portal", "Tenant Management", "Tenants", "Tenant", "Reconnect", "Reconnect tenant", "Update", "Tenant",
		[]string{"contoso.onmicrosoft.com", "fabrikam.onmicrosoft.com"}, [][2]string{{"Disconnected", "Connected"}}},
	{"Portal", "Encryption Management", "Encryption profiles", "Encryption", "Apply Encryption Profile", "Apply encryption profile", "Update", "Encryption Profile",
		[]string{"Customer key <EU>", "Default & managed"}, [][2]string{{"AvePoint managed key", "Customer managed key"}}},
	{"Office365Backup", "Job Monitor", "Backup", "BackupJob", "Run Job", "Run backup job", "Execute", "Backup Job",
		[]string{"Exchange Online – Daily", "SharePoint Online – Hourly", "OneDrive – Weekly", "Teams chats"}, nil},
	{"Office365Backup", "Restore", "Restore", "RestoreJob", "Restore", "Restore items", "Restore", "Mailbox",
		[]string{"Sales mailbox", "Projekt Größe – Q3", "販売チーム", "Équipe Finance"}, nil},
	{"Office365Backup", "Scope", "Backup scope", "ScanProfile", "Edit", "Edit scan profile", "Update", "Scan Profile",
		[]string{"All mailboxes", "Sites + groups"}, [][2]string{{"1532 objects", "1547 objects"}, {"Exclude: *.tmp", "Exclude: *.tmp; *.bak"}}},
	{"Office365Management", "Policy", "Configuration", "Policy", "Create", "Create policy", "Create", "Policy",
		[]string{"External sharing \"off\"", "Guest access review"}, nil},
	{"Office365Management", "Migration", "Mapping", "Migration", "Run Job", "Run migration job", "Execute", "Migration Job",
		[]string{"File share → SharePoint", "Box to OneDrive"}, nil},
	{"GovernanceAutomation", "Service Request", "Requests", "Request", "Approve", "Approve request", "Update", "Service Request",
		[]string{"Create Team: Ünïcødé 🚀 launch", "Change owner: HR site"}, [][2]string{{"Pending", "Approved"}}},
	{"GovernanceAutomation", "Lifecycle", "Workspace lifecycle", "Lifecycle", "Extend", "Extend lease", "Update", "Workspace",
		[]string{"Project Atlas", "Marketing 2025"}, [][2]string{{"2025-12-31", "2026-06-30"}}},
	{"PolicyEnforcer", "Rules", "Rule management", "Rule", "Fix Violation", "Fix violation", "Update", "Site",
		[]string{"https://contoso.sharepoint.com/sites/finance", "https://contoso.sharepoint.com/sites/hr"}, [][2]string{{"Anyone link", "Organization link"}}},
	{"CPManagement", "Insights", "Reports", "Report", "Export", "Export report", "Read", "Report",
		[]string{"Sensitive content by site", "Permissions overview"}, nil},
	{"SMP", "EnPower", "Permissions", "Permission", "Grant", "Grant permission", "Update", "Site",
		[]string{"Legal hub", "R&D"}, [][2]string{{"Read", "Edit"}}},
	{"VDR", "Confide", "Rooms", "DataRoom", "Invite", "Invite external user", "Create", "Data Room",
		[]string{"M&A – Project Blue", "Board pack"}, nil},
	{"AvePointRecords", "Opus", "Disposal", "Disposal", "Destroy", "Destroy records", "Delete", "Record",
		[]string{"Contracts 2015", "Invoices FY19"}, nil},
	{"GsuiteBackup", "Job Monitor", "Backup", "BackupJob", "Run Job", "Run backup job", "Execute", "Backup Job",
		[]string{"Gmail – Daily", "Shared drives"}, nil},
	{"CRMBackup", "Job Monitor", "Backup", "BackupJob", "Run Job", "Run backup job", "Execute", "Backup Job",
		[]string{"Dynamics 365 Sales", "Customer Service"}, nil},
}

var users = []string{
	"megan.bowen@contoso.com", "alex.wilber@contoso.com",
	"adele.vance@contoso.com", "diego.siciliani@contoso.com",
	"isaiah.langer@contoso.com", "lynne.robbins@contoso.com",
	"nestor.wilke@contoso.com", "patti.fernandez@contoso.com",
	"svc-governance@contoso.com", "admin@fabrikam.onmicrosoft.com",
	"System", "AvePoint Support (Case 00123456)",
}

var partnerOwners = []string{"", "", "", "", "", "", "owner@northwind-msp.com", "tenant.admin@litware.partner"}

var statuses = []string{"Successful", "Successful", "Successful", "Successful", "Successful", "Successful",
	"Successful", "Successful", "Failed", "Warning"}

var comments = []string{"", "", "", "", "Scheduled by policy \"Nightly\"", "Requested via ticket #4521",
	"Retry 2/3\nPrevious attempt timed out", "Automatic <system> action"}
