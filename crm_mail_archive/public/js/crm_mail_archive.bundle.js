// The app's desk code as one bundle (bench build), named once in hooks.py and loaded with the desk:
// the forms, tabs, dialogs and pages it serves find their handlers registered from the start.
import "./server_text.js";
import "./mail_dialogs.js";
import "./mail_transfer.js";
import "./mail_compose.js";
import "./email_archive.js";
import "./communication_form.js";
import "./email_account.js";
import "./live.js";
