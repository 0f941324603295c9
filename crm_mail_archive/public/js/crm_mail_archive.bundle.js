// The app's desk code as one bundle (bench build), named once in hooks.py and loaded with the desk:
// the forms, tabs, dialogs and pages it serves find their handlers registered from the start.
// (Scripts that must run after stock's own script of a form or list are form/list scripts in
// hooks.py: communication_form.js, email_account.js, communication_list.js.)
import "./server_text.js";
import "./mail_dialogs.js";
import "./einvoice_panel.js";
import "./mail_transfer.js";
import "./mail_compose.js";
import "./email_archive.js";
import "./live.js";
