"""One module per wizard screen, each with a .tcss file beside it; the form steps
(Options, Accounts, Mail, Services) share step.WizardStep."""
