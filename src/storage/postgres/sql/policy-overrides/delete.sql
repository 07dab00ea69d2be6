DELETE FROM policy_overrides
WHERE group_id = decode(${groupId}, 'hex')
