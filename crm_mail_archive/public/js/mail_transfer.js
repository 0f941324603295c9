// Import mail files (.eml, .msg, .mbox, Outlook .pst/.ost: dropped on the Email Archive tab or chosen) and export
// archived mail (ZIP of .eml with index.csv, or mbox), both in the background with realtime
// progress. File names and counts from the server are text: every one is escaped.
frappe.provide("crm_mail_archive");

crm_mail_archive.MAIL_FILE_TYPES = [".eml", ".msg", ".mbox", ".pst", ".ost"];

crm_mail_archive.is_mail_file = (file) =>
	crm_mail_archive.MAIL_FILE_TYPES.some((suffix) => (file.name || "").toLowerCase().endsWith(suffix));

// upload one file as a private, unattached File of the user
crm_mail_archive.upload_private = (file) => {
	const form = new FormData();
	form.append("file", file, file.name);
	form.append("is_private", "1");
	form.append("folder", "Home");
	return fetch("/api/method/upload_file", {
		method: "POST",
		headers: { "X-Frappe-CSRF-Token": frappe.csrf_token, Accept: "application/json" },
		body: form,
	}).then((response) =>
		response.json().then((data) => {
			if (!response.ok || !data.message) throw new Error(__("Could not upload {0}.", [file.name]));
			return data.message.name;
		})
	);
};

// Outlook data files (often GBs) and files over the site's upload limit come in chunks
// (api.start_import_upload, send_import_chunk): each chunk at the bytes the server has, a failed
// one sent again. `upload_chunk_bytes` overrides the server's chunk size (tests use small chunks).
crm_mail_archive.upload_chunk_bytes = null;

crm_mail_archive.needs_chunks = (file) =>
	/\.(pst|ost)$/i.test(file.name || "") || file.size > (frappe.boot.max_file_size || 25 * 1024 * 1024);

crm_mail_archive.post_form = (method, form) =>
	fetch(`/api/method/crm_mail_archive.api.${method}`, {
		method: "POST",
		headers: { "X-Frappe-CSRF-Token": frappe.csrf_token, Accept: "application/json" },
		body: form,
	}).then((response) =>
		response.json().catch(() => ({})).then((data) => {
			if (!response.ok) {
				let messages = [];
				try {
					messages = JSON.parse(data._server_messages || "[]").map((message) => JSON.parse(message).message);
				} catch (error) {
					messages = [];
				}
				const error = new Error(messages.join(" ") || __("The server refused the upload."));
				error.status = response.status;
				throw error;
			}
			return data.message;
		})
	);

// upload one file in chunks into `account`; `sent(bytes)` after every chunk; resolves to the upload's id
crm_mail_archive.upload_in_chunks = (file, account, sent) => {
	const start = new FormData();
	start.append("file_name", file.name);
	start.append("size", String(file.size));
	start.append("account", account);
	return crm_mail_archive.post_form("start_import_upload", start).then(({ upload, chunk_size }) => {
		const size = crm_mail_archive.upload_chunk_bytes || chunk_size;
		const send = (offset, attempt) => {
			if (offset >= file.size) return Promise.resolve(upload);
			const form = new FormData();
			form.append("upload", upload);
			form.append("offset", String(offset));
			form.append("chunk", file.slice(offset, offset + size), "chunk");
			return crm_mail_archive
				.post_form("send_import_chunk", form)
				.then(({ received }) => {
					sent(received);
					return send(received, 0);
				})
				.catch((error) => {
					// a cut connection or a busy server: the same chunk once more, a little later
					if ((error.status && error.status < 500) || attempt >= 4) throw error;
					return new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1))).then(() => send(offset, attempt + 1));
				});
		};
		return send(0, 0);
	});
};

crm_mail_archive.choose_import_account = () =>
	crm_mail_archive.get("import_accounts").then(
		(accounts) =>
			new Promise((resolve) => {
				if (!accounts.length) {
					frappe.msgprint(__("You hold no Mail Archive Account to import mail into."));
					return;
				}
				if (accounts.length === 1) return resolve(accounts[0].value);
				const dialog = new frappe.ui.Dialog({
					title: __("Import Mail"),
					fields: [
						{
							fieldtype: "Select",
							fieldname: "account",
							label: __("Mail Archive Account"),
							options: accounts,
							default: accounts[0].value,
							reqd: 1,
						},
					],
					primary_action_label: __("Import"),
					primary_action: ({ account }) => {
						dialog.hide();
						resolve(account);
					},
				});
				dialog.show();
			})
	);

// import files into an account (chosen, unless given) and, with a record, file every mail there
crm_mail_archive.import_files = (files, record, done, account) => {
	const mail_files = Array.from(files || []).filter(crm_mail_archive.is_mail_file);
	if (!mail_files.length) {
		frappe.msgprint(__("Drop .eml, .msg, .mbox, .pst or .ost files to import them."));
		return;
	}
	(account ? Promise.resolve(account) : crm_mail_archive.choose_import_account()).then((account) => {
		const total = mail_files.reduce((sum, file) => sum + file.size, 0) || 1;
		const sent = new Map();
		const show_sent = () => {
			const bytes = Array.from(sent.values()).reduce((sum, value) => sum + value, 0);
			const megabytes = (value) => (value / (1024 * 1024)).toFixed(1);
			frappe.show_progress(__("Importing Mail"), bytes, total, __("Uploading… {0} of {1} MB", [megabytes(bytes), megabytes(total)]));
		};
		show_sent();
		const chunked = mail_files.filter(crm_mail_archive.needs_chunks);
		const whole = mail_files.filter((file) => !crm_mail_archive.needs_chunks(file));
		// one chunked file after the other (the server writes each at its own pace)
		const uploads = chunked.reduce(
			(previous, file) =>
				previous.then((ids) =>
					crm_mail_archive
						.upload_in_chunks(file, account, (bytes) => {
							sent.set(file, bytes);
							show_sent();
						})
						.then((id) => ids.concat([id]))
				),
			Promise.resolve([])
		);
		Promise.all([Promise.all(whole.map(crm_mail_archive.upload_private)), uploads])
			.then(([names, staged]) =>
				frappe.call({
					method: "crm_mail_archive.api.import_mail_files",
					args: {
						files: names,
						uploads: staged,
						account,
						doctype: record && record.doctype,
						name: record && record.name,
					},
				})
			)
			.then(() => crm_mail_archive.follow_import(done))
			.catch((error) => {
				frappe.hide_progress();
				frappe.msgprint(frappe.utils.escape_html(error.message || String(error)));
			});
	});
};

crm_mail_archive.follow_import = (done) => {
	const progress = ({ done: count, total }) =>
		frappe.show_progress(__("Importing Mail"), count, total, __("{0} of {1} messages", [count, total]));
	const finished = (result) => {
		frappe.realtime.off("mail_archive_import_progress", progress);
		frappe.realtime.off("mail_archive_import_done", finished);
		// a modal still fading in ignores hide(): the progress shown a moment ago is hidden once
		// more when its animation is over
		const shown = frappe.cur_progress;
		frappe.hide_progress();
		setTimeout(() => shown && shown.hide(), 1000);
		if (result.error) {
			frappe.msgprint({ title: __("Import Failed"), message: frappe.utils.escape_html(result.error), indicator: "red" });
			return;
		}
		const reasons = (result.quarantine_reasons || [])
			.map((reason) => `<li class="mail-import-reason">${frappe.utils.escape_html(crm_mail_archive.quarantine_reason(reason))}</li>`)
			.join("");
		const count = (value) => Number(value) || 0;
		const unreadable = count(result.quarantined);
		const lines = [
			count(result.messages) === 1
				? __("1 e-mail read from the file: {0} new, {1} already in the archive.", [count(result.new), count(result.known)])
				: __("{0} e-mails read from the files: {1} new, {2} already in the archive.", [count(result.messages), count(result.new), count(result.known)]),
		];
		if (count(result.filed)) lines.push(__("{0} filed here.", [count(result.filed)]));
		if (unreadable) lines.push(__("{0} could not be read; they are kept in quarantine:", [unreadable]));
		frappe.msgprint({
			title: unreadable ? __("E-Mails Imported, Some Unreadable") : __("E-Mails Imported"),
			indicator: unreadable ? "orange" : "green",
			message: `<div class="mail-import-result ${unreadable ? "text-warning" : "text-success"}">${lines
				.map((line) => frappe.utils.escape_html(line))
				.join(" ")}</div>${reasons ? `<ul>${reasons}</ul>` : ""}`,
		});
		done && done(result);
	};
	frappe.realtime.on("mail_archive_import_progress", progress);
	frappe.realtime.on("mail_archive_import_done", finished);
};

// a drop zone for mail files on an element (files go into `account()`, or one the user chooses)
crm_mail_archive.accept_mail_drops = (element, record, done, account) => {
	element
		.on("dragover", (event) => {
			event.preventDefault();
			element.addClass("mail-archive-drop-target");
		})
		.on("dragleave drop", () => element.removeClass("mail-archive-drop-target"))
		.on("drop", (event) => {
			event.preventDefault();
			const files = event.originalEvent.dataTransfer && event.originalEvent.dataTransfer.files;
			if (files && files.length) crm_mail_archive.import_files(files, record, done, account && account());
		});
};

crm_mail_archive.choose_and_import = (record, done, account) => {
	const input = $(`<input type="file" multiple accept="${crm_mail_archive.MAIL_FILE_TYPES.join(",")}" class="mail-archive-file-input">`);
	input.on("change", () => {
		crm_mail_archive.import_files(input[0].files, record, done, account);
		input.remove();
	});
	$("body").append(input);
	input.trigger("click");
};

// export: args as api.export_mail takes them; a message with the download link when ready
crm_mail_archive.export_mail = (args) => {
	frappe.call({ method: "crm_mail_archive.api.export_mail", args, freeze: true }).then(({ message }) => {
		const export_name = message.export;
		frappe.show_alert({ message: __("Export started: you are told when it is ready."), indicator: "blue" });
		const ready = (result) => {
			if (result.export !== export_name) return;
			frappe.realtime.off("mail_archive_export_done", ready);
			if (result.status !== "Ready") {
				frappe.msgprint({ title: __("Export Failed"), message: __("See Mail Export {0}.", [frappe.utils.escape_html(export_name)]), indicator: "red" });
				return;
			}
			const url = `/api/method/crm_mail_archive.api.download_export?export=${encodeURIComponent(export_name)}`;
			frappe.msgprint({
				title: __("Export Ready"),
				indicator: "green",
				message: `${__("{0} mails exported.", [Number(result.mails) || 0])}
					<a class="btn btn-xs btn-primary ml-2 mail-export-download" href="${frappe.utils.escape_html(url)}">${__("Download")}</a>`,
			});
		};
		frappe.realtime.on("mail_archive_export_done", ready);
	});
};

// Why an imported file could not be read, in the user's language: the parser's reasons (kept in
// English on the copy, "NotAMail: offer.eml: binary data, not a mail message") as sentences.
crm_mail_archive.QUARANTINE_REASONS = [
	[/^(.*): binary data, not a mail message$/, (source) => __("{0}: the file holds binary data, not an e-mail.", [source])],
	[/^(.*): empty file$/, (source) => __("{0}: the file is empty.", [source])],
	[/^(.*): no mail headers .*$/, (source) => __("{0}: no e-mail headers (From, To, Subject, Date) found.", [source])],
	[/^(.*): not a readable Outlook message: .*$/, (source) => __("{0}: not a readable Outlook message.", [source])],
	[/^(.*): unreadable mbox entry: .*$/, (source) => __("{0}: a damaged entry of the mbox file.", [source])],
	[/^(.*): unreadable Outlook item: .*$/, (source) => __("{0}: a damaged item of the Outlook data file.", [source])],
	[/^(.*): not a readable Outlook data file: .*$/, (source) => __("{0}: not a readable Outlook data file (.pst/.ost).", [source])],
	[/^(.*): larger than (\d+) MB$/, (source, size) => __("{0}: larger than {1} MB.", [source, size])],
];
crm_mail_archive.quarantine_reason = (reason) => {
	// the error classes the reason went through ("MailParseError: NotAMail: ...") say nothing to a user
	const text = String(reason || "").replace(/^(?:[A-Z][A-Za-z]*(?:Error|Mail): )+/, "");
	for (const [pattern, sentence] of crm_mail_archive.QUARANTINE_REASONS) {
		const match = text.match(pattern);
		if (match) return sentence(...match.slice(1));
	}
	return __("The e-mail could not be read: {0}", [text]);
};
