-- Counters of certificates and of their quality ratings, kept by triggers in the transaction
-- of every write to certificates and certificate_ratings, so that the agency overview and the
-- year's planning summary add up some hundreds of counter rows instead of counting every
-- certificate (and joining every rating) of an agency or an authority's year. They hold
-- exactly what those reads counted, so that the figures do not change.

-- +goose Up
-- Certificates other than those still being formed (issuing), by authority, year and status,
-- per agency and per provider: a year is then some hundreds of rows for the summary to add
-- up, and an agency a few dozen for its overview. agency_name is part of the agency's key
-- because the summary shows the name its certificates carry. A row whose count fell to zero
-- is kept, and skipped by the reads.
CREATE TABLE certificate_counts_by_agency (
    authority    text NOT NULL,
    year         integer NOT NULL,
    agency_id    text NOT NULL,
    agency_name  text NOT NULL,
    status       text NOT NULL,
    certificates integer NOT NULL,
    duplicates   bigint NOT NULL,
    enrolled     integer NOT NULL, -- with an enrolment recorded
    PRIMARY KEY (authority, year, agency_id, status, agency_name)
);
CREATE INDEX certificate_counts_by_agency_agency ON certificate_counts_by_agency (agency_id, status);
CREATE TABLE certificate_counts_by_provider (
    authority    text NOT NULL,
    year         integer NOT NULL,
    provider_id  text NOT NULL,
    status       text NOT NULL,
    certificates integer NOT NULL,
    duplicates   bigint NOT NULL,
    enrolled     integer NOT NULL,
    PRIMARY KEY (authority, year, provider_id, status)
);

-- Quality ratings by the certificate's authority, year, provider and programme. A
-- programme's code or title may be absent from its JSON, hence NULLS NOT DISTINCT.
CREATE TABLE certificate_rating_counts (
    authority       text NOT NULL,
    year            integer NOT NULL,
    provider_id     text NOT NULL,
    programme_code  text,
    programme_title text,
    ratings         integer NOT NULL,
    score_sum       bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (authority, year, provider_id, programme_code, programme_title)
);

-- +goose StatementBegin
-- certificate_counts_add adds sign times one certificate to its counters. A status change
-- takes the rows of the old status before those of the new one, which comes later in a
-- certificate's life, and at each status the agency's before the provider's: transactions
-- that change one certificate each take counter rows in one order, so they never deadlock.
CREATE FUNCTION certificate_counts_add(c certificates, sign integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO certificate_counts_by_agency AS k (authority, year, agency_id, agency_name, status, certificates, duplicates, enrolled)
    SELECT c.authority, c.year, c.agency_id, c.agency_name, c.status, sign, sign * c.duplicates,
        CASE WHEN c.enrolment IS NOT NULL THEN sign ELSE 0 END
    WHERE c.status <> 'issuing'
    ON CONFLICT (authority, year, agency_id, status, agency_name) DO UPDATE
        SET certificates = k.certificates + EXCLUDED.certificates, duplicates = k.duplicates + EXCLUDED.duplicates,
            enrolled = k.enrolled + EXCLUDED.enrolled;
    INSERT INTO certificate_counts_by_provider AS k (authority, year, provider_id, status, certificates, duplicates, enrolled)
    SELECT c.authority, c.year, c.provider_id, c.status, sign, sign * c.duplicates,
        CASE WHEN c.enrolment IS NOT NULL THEN sign ELSE 0 END
    WHERE c.status <> 'issuing'
    ON CONFLICT (authority, year, provider_id, status) DO UPDATE
        SET certificates = k.certificates + EXCLUDED.certificates, duplicates = k.duplicates + EXCLUDED.duplicates,
            enrolled = k.enrolled + EXCLUDED.enrolled;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- certificate_rating_counts_add adds sign times the ratings of certificate c (as it is in
-- c: the reads join ratings to the certificate they are of) to their counter.
CREATE FUNCTION certificate_rating_counts_add(c certificates, sign integer, ratings bigint, score_sum bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO certificate_rating_counts AS k (authority, year, provider_id, programme_code, programme_title, ratings, score_sum)
    SELECT c.authority, c.year, c.provider_id, c.programme->>'code', c.programme->>'title', sign * ratings, sign * score_sum
    WHERE ratings > 0
    ON CONFLICT (authority, year, provider_id, programme_code, programme_title) DO UPDATE
        SET ratings = k.ratings + EXCLUDED.ratings, score_sum = k.score_sum + EXCLUDED.score_sum
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION certificates_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    total bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM certificate_counts_add(OLD, -1);
        IF TG_OP = 'DELETE' OR OLD.number <> NEW.number OR OLD.authority <> NEW.authority OR OLD.year <> NEW.year
            OR OLD.provider_id <> NEW.provider_id OR OLD.programme->>'code' IS DISTINCT FROM NEW.programme->>'code'
            OR OLD.programme->>'title' IS DISTINCT FROM NEW.programme->>'title' THEN
            SELECT count(*), coalesce(sum(score), 0) INTO n, total FROM certificate_ratings WHERE number = OLD.number;
            PERFORM certificate_rating_counts_add(OLD, -1, n, total);
            IF TG_OP = 'UPDATE' THEN
                SELECT count(*), coalesce(sum(score), 0) INTO n, total FROM certificate_ratings WHERE number = NEW.number;
                PERFORM certificate_rating_counts_add(NEW, 1, n, total);
            END IF;
        END IF;
    ELSE -- INSERT: ratings written before their certificate count from now on
        SELECT count(*), coalesce(sum(score), 0) INTO n, total FROM certificate_ratings WHERE number = NEW.number;
        PERFORM certificate_rating_counts_add(NEW, 1, n, total);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM certificate_counts_add(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION certificate_ratings_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c certificates;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT * INTO c FROM certificates WHERE number = OLD.number;
        IF FOUND THEN
            PERFORM certificate_rating_counts_add(c, -1, 1, OLD.score);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT * INTO c FROM certificates WHERE number = NEW.number;
        IF FOUND THEN
            PERFORM certificate_rating_counts_add(c, 1, 1, NEW.score);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION certificate_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'certificates' THEN
        DELETE FROM certificate_counts_by_agency;
        DELETE FROM certificate_counts_by_provider;
    END IF;
    DELETE FROM certificate_rating_counts;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- No write may slip in between the triggers' creation and the backfill; reads go on.
LOCK TABLE certificates, certificate_ratings IN SHARE ROW EXCLUSIVE MODE;

CREATE TRIGGER certificates_count AFTER INSERT OR DELETE ON certificates
    FOR EACH ROW EXECUTE FUNCTION certificates_count();
-- Most updates (a reminder, the overdue flag, a new revision) change nothing counted.
CREATE TRIGGER certificates_count_update AFTER UPDATE ON certificates FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.duplicates IS DISTINCT FROM NEW.duplicates
        OR (OLD.enrolment IS NULL) <> (NEW.enrolment IS NULL) OR OLD.number <> NEW.number
        OR OLD.authority <> NEW.authority OR OLD.year <> NEW.year OR OLD.agency_id <> NEW.agency_id
        OR OLD.agency_name <> NEW.agency_name OR OLD.provider_id <> NEW.provider_id
        OR OLD.programme->>'code' IS DISTINCT FROM NEW.programme->>'code'
        OR OLD.programme->>'title' IS DISTINCT FROM NEW.programme->>'title')
    EXECUTE FUNCTION certificates_count();
CREATE TRIGGER certificates_count_truncate AFTER TRUNCATE ON certificates
    FOR EACH STATEMENT EXECUTE FUNCTION certificate_counts_truncate();
CREATE TRIGGER certificate_ratings_count AFTER INSERT OR UPDATE OR DELETE ON certificate_ratings
    FOR EACH ROW EXECUTE FUNCTION certificate_ratings_count();
CREATE TRIGGER certificate_ratings_count_truncate AFTER TRUNCATE ON certificate_ratings
    FOR EACH STATEMENT EXECUTE FUNCTION certificate_counts_truncate();

INSERT INTO certificate_counts_by_agency (authority, year, agency_id, agency_name, status, certificates, duplicates, enrolled)
SELECT authority, year, agency_id, agency_name, status, count(*), sum(duplicates), count(*) FILTER (WHERE enrolment IS NOT NULL)
FROM certificates WHERE status <> 'issuing'
GROUP BY authority, year, agency_id, agency_name, status;

INSERT INTO certificate_counts_by_provider (authority, year, provider_id, status, certificates, duplicates, enrolled)
SELECT authority, year, provider_id, status, count(*), sum(duplicates), count(*) FILTER (WHERE enrolment IS NOT NULL)
FROM certificates WHERE status <> 'issuing'
GROUP BY authority, year, provider_id, status;

INSERT INTO certificate_rating_counts (authority, year, provider_id, programme_code, programme_title, ratings, score_sum)
SELECT c.authority, c.year, c.provider_id, c.programme->>'code', c.programme->>'title', count(*), sum(r.score)
FROM certificate_ratings r JOIN certificates c ON c.number = r.number
GROUP BY 1, 2, 3, 4, 5;

-- +goose Down
DROP TRIGGER certificate_ratings_count_truncate ON certificate_ratings;
DROP TRIGGER certificate_ratings_count ON certificate_ratings;
DROP TRIGGER certificates_count_truncate ON certificates;
DROP TRIGGER certificates_count_update ON certificates;
DROP TRIGGER certificates_count ON certificates;
DROP FUNCTION certificate_counts_truncate();
DROP FUNCTION certificate_ratings_count();
DROP FUNCTION certificates_count();
DROP FUNCTION certificate_rating_counts_add(certificates, integer, bigint, bigint);
DROP FUNCTION certificate_counts_add(certificates, integer);
DROP TABLE certificate_rating_counts;
DROP TABLE certificate_counts_by_provider;
DROP TABLE certificate_counts_by_agency;
