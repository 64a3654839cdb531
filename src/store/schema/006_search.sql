-- Search of the desk's queue (and `kustodi application list --search`): a trigram full-text
-- index over the application's id, applicant name and department, so that a substring search
-- of three characters or more does not scan every application. External content: the text
-- lives in `applications` only; triggers keep the index in step with it.
CREATE VIRTUAL TABLE applications_search USING fts5(
    id, applicant_name, department,
    content = 'applications', content_rowid = 'num', tokenize = 'trigram'
);
INSERT INTO applications_search (rowid, id, applicant_name, department)
    SELECT num, id, applicant_name, department FROM applications;

CREATE TRIGGER applications_search_insert AFTER INSERT ON applications BEGIN
    INSERT INTO applications_search (rowid, id, applicant_name, department)
        VALUES (new.num, new.id, new.applicant_name, new.department);
END;
CREATE TRIGGER applications_search_delete AFTER DELETE ON applications BEGIN
    INSERT INTO applications_search (applications_search, rowid, id, applicant_name, department)
        VALUES ('delete', old.num, old.id, old.applicant_name, old.department);
END;
CREATE TRIGGER applications_search_update
    AFTER UPDATE OF num, id, applicant_name, department ON applications BEGIN
    INSERT INTO applications_search (applications_search, rowid, id, applicant_name, department)
        VALUES ('delete', old.num, old.id, old.applicant_name, old.department);
    INSERT INTO applications_search (rowid, id, applicant_name, department)
        VALUES (new.num, new.id, new.applicant_name, new.department);
END;
