--[[
Helpers of the sectioned scripts (`--@sections K A`: KEYS and ARGV hold
whole sections of K keys and A arguments, in order). Not a script of its
own: the loader pastes it where a script says `--@include lib/sections.lua`.
]]

-- The number of sections in `allKeys` and `allArgs`, or nil when they do not hold whole ones.
local function sectionCount(allKeys, allArgs, keysPer, argsPer)
    local sections = #allArgs / argsPer
    if sections < 1 or sections ~= math.floor(sections) or #allKeys ~= keysPer * sections then
        return nil
    end
    return sections
end

-- Section s (1-based) of `all`, whose sections are `per` values long, as a table.
local function section(all, s, per)
    return { unpack(all, per * (s - 1) + 1, per * s) }
end
