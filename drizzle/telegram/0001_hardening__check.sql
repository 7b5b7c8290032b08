-- Before `hardening` adds its unique rules, the rows already there (written by the application)
-- must satisfy them. Where they do not, this stops the run and lists the offending rows; the
-- migration changes nothing, so the database stays as it was (decision 013).
DO $$
DECLARE
  problems text := '';
  offending text;
  total bigint;
BEGIN
  -- uq_authentication_data_active_user: one active set of credentials per user.
  SELECT count(*), string_agg(format('user %s: %s active rows (%s)', user_id, n, ids), '; ')
    INTO total, offending
    FROM (
      SELECT user_id, count(*) AS n, string_agg(id::text, ', ' ORDER BY created_at, id) AS ids
      FROM authentication_data WHERE is_active = true
      GROUP BY user_id HAVING count(*) > 1 ORDER BY user_id
    ) AS d;
  IF total > 0 THEN
    problems := problems || format(
      E'\n  authentication_data.is_active (one active set of credentials per user, uq_authentication_data_active_user), %s user(s): %s'
      || E'\n    keep one: UPDATE authentication_data SET is_active = false WHERE id IN (<the others>)',
      total, offending);
  END IF;

  -- user_selected_models_user_id_key: one model preference per user.
  SELECT count(*), string_agg(format('user %s: %s rows (%s)', user_id, n, ids), '; ')
    INTO total, offending
    FROM (
      SELECT user_id, count(*) AS n, string_agg(id::text, ', ' ORDER BY updated_at DESC, id) AS ids
      FROM user_selected_models
      GROUP BY user_id HAVING count(*) > 1 ORDER BY user_id
    ) AS d;
  IF total > 0 THEN
    problems := problems || format(
      E'\n  user_selected_models.user_id (one model preference per user, user_selected_models_user_id_key), %s user(s): %s'
      || E'\n    keep one: DELETE FROM user_selected_models WHERE id IN (<the others>)',
      total, offending);
  END IF;

  IF problems <> '' THEN
    RAISE EXCEPTION USING
      ERRCODE = 'unique_violation',
      MESSAGE = 'existing rows break rules that generation hardening adds; nothing was changed. Offending rows:' || problems;
  END IF;
END
$$;
